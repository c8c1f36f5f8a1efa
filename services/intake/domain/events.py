"""The events intake publishes: their type names and schema versions (the envelope's `type`)."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import ClosureRequest, Contact, RecordingReference


@dataclass(frozen=True, slots=True)
class EventKind:
    event_type: str
    schema_version: int
    payload: type[BaseModel]


class SubjectLinked(BaseModel):
    """Identities of one consultation led to several subjects: they are one person. Every
    identity of `linked_subject_ids` now leads to `subject_id`; their earlier events keep their
    own ids, so a consumer keeping state per subject treats the set as one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject_id: str
    linked_subject_ids: tuple[str, ...] = Field(min_length=1)
    linked_at: datetime


CONSULTATION_RECEIVED = EventKind("consultation.received", 1, Consultation)
CONTACT_LOGGED = EventKind("contact.logged", 1, Contact)
CLOSURE_REQUESTED = EventKind("closure.requested", 1, ClosureRequest)
RECORDING_ATTACHED = EventKind("recording.attached", 1, RecordingReference)
SUBJECT_LINKED = EventKind("subject.linked", 1, SubjectLinked)

ALL_EVENTS = (
    CONSULTATION_RECEIVED,
    CONTACT_LOGGED,
    CLOSURE_REQUESTED,
    RECORDING_ATTACHED,
    SUBJECT_LINKED,
)
