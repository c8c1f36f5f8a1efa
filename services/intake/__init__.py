"""Intake: accepts consultations, de-duplicates, encrypts personal fields at the edge, publishes."""
