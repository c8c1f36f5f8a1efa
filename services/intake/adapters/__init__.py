"""Intake's adapters: subject index and de-duplication store, field encryption, publishing."""
