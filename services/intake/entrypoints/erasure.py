"""caselog.privacy as intake reads it: what privacy destroyed, turned into intake's events.

`subject.erased` and `case.anonymized` mean a case key is gone (dropped from intake's key cache
at once, before the rest of the payload is read: a bad one still evicts); `subject.erased` also
makes intake forget the erased cases' platform tickets and destroy the quarantine keys of
ingress dead letters that named an erased subject; `keys.epoch_closed` empties the key cache.
Decoded through the contracts (`INTAKE_READS_PRIVACY`): a type or version intake neither reads
nor ignores is dead-lettered with the reason, never dropped.
"""

from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict

from services.intake.service_layer.messages import (
    CaseKeyDestroyed,
    KeyEpochClosed,
    PrivacyEvent,
    SubjectErased,
)
from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.contracts.reading import ConsumerReads
from shared.envelope import Envelope, decode_envelope

SUBJECT_ERASED = "subject.erased"
CASE_ANONYMIZED = "case.anonymized"
KEYS_EPOCH_CLOSED = "keys.epoch_closed"

Handle = Callable[[PrivacyEvent], Awaitable[None]]


class _ErasedRead(BaseModel):
    """`subject.erased` as intake reads it (privacy's models are not ours to import)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    request_id: str = "unknown"
    subject_ids: tuple[str, ...] = ()
    erased_case_ids: tuple[str, ...]


class _EnvelopeOnly(BaseModel):
    """An event intake acts on from its envelope alone (the case, or the fact itself)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


INTAKE_READS_PRIVACY = ConsumerReads(
    "intake",
    reads={
        SUBJECT_ERASED: _ErasedRead,
        CASE_ANONYMIZED: _EnvelopeOnly,
        KEYS_EPOCH_CLOSED: _EnvelopeOnly,
    },
    ignores=frozenset(
        {
            "hold.placed",
            "hold.release_requested",
            "hold.released",
            "anonymized_copy.corrected",
            "anonymized_copy.withdrawn",
            "access.exported",
            "subject.searched",
            "retention.swept",
        }
    ),
)
"""What intake's privacy consumer reads; anything else on caselog.privacy is dead-lettered."""


def events_from(envelope: Envelope) -> list[PrivacyEvent]:
    """Intake's events for one of privacy's, in the order they are handled; [] for the types
    intake ignores; a PermanentHandlingError (UnknownEventError, UnreadablePayloadError) for
    one it does not know or cannot read."""
    read = INTAKE_READS_PRIVACY.decode(envelope)
    if envelope.type == KEYS_EPOCH_CLOSED:
        return [KeyEpochClosed()]
    if envelope.type == CASE_ANONYMIZED:
        return [CaseKeyDestroyed(envelope.case_id)]
    if not isinstance(read, _ErasedRead):
        return []
    subjects = (*read.subject_ids, *([envelope.subject_id] if envelope.subject_id else []))
    return [
        CaseKeyDestroyed(envelope.case_id),
        SubjectErased(
            event_id=str(envelope.event_id),
            request_id=read.request_id,
            subject_ids=tuple(dict.fromkeys(subjects)),
            erased_case_ids=read.erased_case_ids,
        ),
    ]


def erasure_handler(handle: Handle) -> Callable[[ConsumedMessage], Awaitable[None]]:
    """The bus handler: decode, then dispatch each event. Idempotent (at-least-once)."""

    async def handle_message(message: ConsumedMessage) -> None:
        envelope = decode_envelope(message.value)
        try:
            events = events_from(envelope)
        except PermanentHandlingError:
            if envelope.type in (SUBJECT_ERASED, CASE_ANONYMIZED):
                # The key is gone whatever else the event says: drop it before dead-lettering.
                await handle(CaseKeyDestroyed(envelope.case_id))
            raise
        for event in events:
            await handle(event)

    return handle_message
