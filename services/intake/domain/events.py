"""The events intake publishes: their type names and schema versions (the envelope's `type`)."""

from dataclasses import dataclass

from pydantic import BaseModel

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import ClosureRequest, Contact, RecordingReference


@dataclass(frozen=True, slots=True)
class EventKind:
    event_type: str
    schema_version: int
    payload: type[BaseModel]


CONSULTATION_RECEIVED = EventKind("consultation.received", 1, Consultation)
CONTACT_LOGGED = EventKind("contact.logged", 1, Contact)
CLOSURE_REQUESTED = EventKind("closure.requested", 1, ClosureRequest)
RECORDING_ATTACHED = EventKind("recording.attached", 1, RecordingReference)

ALL_EVENTS = (CONSULTATION_RECEIVED, CONTACT_LOGGED, CLOSURE_REQUESTED, RECORDING_ATTACHED)
