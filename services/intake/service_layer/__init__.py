"""Intake's use cases: handlers that record consultations and contacts, one per command."""
