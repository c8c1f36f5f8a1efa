"""The events intake publishes: their contracts are declared in shared/contracts/intake.py."""

from shared.contracts.declaring import EventContract
from shared.contracts.intake import (
    CLOSURE_REQUESTED,
    CONSULTATION_RECEIVED,
    CONTACT_LOGGED,
    CONTRACTS,
    RECORDING_ATTACHED,
    SUBJECT_LINKED,
    SubjectLinked,
)

EventKind = EventContract
ALL_EVENTS = CONTRACTS

__all__ = [
    "ALL_EVENTS",
    "CLOSURE_REQUESTED",
    "CONSULTATION_RECEIVED",
    "CONTACT_LOGGED",
    "RECORDING_ATTACHED",
    "SUBJECT_LINKED",
    "EventKind",
    "SubjectLinked",
]
