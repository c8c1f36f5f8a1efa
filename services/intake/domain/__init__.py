"""Intake's domain: consultations, contacts and their validation rules, free of any framework."""
