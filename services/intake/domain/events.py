"""The events intake publishes: their contracts are declared in shared/contracts/intake.py."""

from shared.contracts.declaring import EventContract
from shared.contracts.intake import (
    CASE_LINKED,
    CLOSURE_REQUESTED,
    CONSULTATION_RECEIVED,
    CONTACT_LOGGED,
    CONTRACTS,
    FACT_CHECKED,
    RECORDING_ATTACHED,
    SUBJECT_LINKED,
    SubjectLinked,
)

ALL_EVENTS = CONTRACTS

__all__ = [
    "ALL_EVENTS",
    "CASE_LINKED",
    "CLOSURE_REQUESTED",
    "CONSULTATION_RECEIVED",
    "CONTACT_LOGGED",
    "FACT_CHECKED",
    "RECORDING_ATTACHED",
    "SUBJECT_LINKED",
    "EventContract",
    "SubjectLinked",
]
