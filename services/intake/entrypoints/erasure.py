"""caselog.privacy as intake reads it: what privacy destroyed, turned into intake's events.

`subject.erased` and `case.anonymized` mean a case key is gone (dropped from intake's key cache
at once, before the rest of the payload is read: a bad one still evicts); `subject.erased` also
makes intake forget the erased cases' platform tickets and destroy the quarantine keys of
ingress dead letters that named an erased subject; `keys.epoch_closed` empties the key cache.
"""

from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from services.intake.service_layer.messages import (
    CaseKeyDestroyed,
    KeyEpochClosed,
    PrivacyEvent,
    SubjectErased,
)
from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.envelope import Envelope, decode_envelope
from shared.validation import summarize

SUBJECT_ERASED = "subject.erased"
CASE_ANONYMIZED = "case.anonymized"
KEYS_EPOCH_CLOSED = "keys.epoch_closed"
READ_VERSION = 1

Handle = Callable[[PrivacyEvent], Awaitable[None]]


class UnreadableErasureError(PermanentHandlingError):
    """A `subject.erased` intake cannot read: dead-lettered (ids only, nothing personal)."""


class _ErasedRead(BaseModel):
    """`subject.erased` v1 as intake reads it (privacy's models are not ours to import)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    request_id: str = "unknown"
    subject_ids: tuple[str, ...] = ()
    erased_case_ids: tuple[str, ...]


def events_from(envelope: Envelope) -> list[PrivacyEvent]:
    """Intake's events for one of privacy's, in the order they are handled; [] for the types
    intake has no business with; UnreadableErasureError for a `subject.erased` it cannot read."""
    if envelope.type == KEYS_EPOCH_CLOSED:
        return [KeyEpochClosed()]
    if envelope.type == CASE_ANONYMIZED:
        return [CaseKeyDestroyed(envelope.case_id)]
    if envelope.type != SUBJECT_ERASED:
        return []
    return [CaseKeyDestroyed(envelope.case_id), _erased(envelope)]


def _erased(envelope: Envelope) -> SubjectErased:
    if envelope.schema_version != READ_VERSION:
        raise UnreadableErasureError(f"{SUBJECT_ERASED}: unknown schema version")
    try:
        read = _ErasedRead.model_validate(envelope.payload)
    except ValidationError as error:
        raise UnreadableErasureError(f"{SUBJECT_ERASED}: {summarize(error)}") from None
    subjects = (*read.subject_ids, *([envelope.subject_id] if envelope.subject_id else []))
    return SubjectErased(
        event_id=str(envelope.event_id),
        request_id=read.request_id,
        subject_ids=tuple(dict.fromkeys(subjects)),
        erased_case_ids=read.erased_case_ids,
    )


def erasure_handler(handle: Handle) -> Callable[[ConsumedMessage], Awaitable[None]]:
    """The bus handler: decode, then dispatch each event. Idempotent (at-least-once)."""

    async def handle_message(message: ConsumedMessage) -> None:
        envelope = decode_envelope(message.value)
        try:
            events = events_from(envelope)
        except UnreadableErasureError:
            # The key is gone whatever else the event says: drop it before dead-lettering.
            await handle(CaseKeyDestroyed(envelope.case_id))
            raise
        for event in events:
            await handle(event)

    return handle_message
