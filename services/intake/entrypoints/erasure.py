"""`subject.erased` from caselog.privacy: intake forgets the erased cases' platform tickets and
destroys the quarantine keys of ingress dead letters that named an erased subject."""

from collections.abc import Awaitable, Callable

import structlog
from pydantic import BaseModel, ConfigDict, ValidationError

from services.intake.adapters.quarantine import Quarantine
from services.intake.service_layer.ports import Ledger
from shared.bus.errors import PermanentHandlingError
from shared.bus.messages import ConsumedMessage
from shared.envelope import decode_envelope
from shared.validation import summarize

log = structlog.get_logger(__name__)
SUBJECT_ERASED = "subject.erased"
READ_VERSION = 1
REASON_CHARS = 100  # within the tombstone's reason column


class UnreadableErasureError(PermanentHandlingError):
    """A `subject.erased` intake cannot read: dead-lettered (ids only, nothing personal)."""


class _ErasedRead(BaseModel):
    """`subject.erased` v1 as intake reads it (privacy's models are not ours to import)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    request_id: str = "unknown"
    subject_ids: tuple[str, ...] = ()
    erased_case_ids: tuple[str, ...]


def erasure_handler(
    ledger: Ledger, quarantine: Quarantine
) -> Callable[[ConsumedMessage], Awaitable[None]]:
    """The bus handler; other event types on the topic pass. Idempotent (at-least-once)."""

    async def handle(message: ConsumedMessage) -> None:
        envelope = decode_envelope(message.value)
        if envelope.type != SUBJECT_ERASED:
            return
        if envelope.schema_version != READ_VERSION:
            raise UnreadableErasureError(f"{SUBJECT_ERASED}: unknown schema version")
        try:
            read = _ErasedRead.model_validate(envelope.payload)
        except ValidationError as error:
            raise UnreadableErasureError(f"{SUBJECT_ERASED}: {summarize(error)}") from None
        subjects = tuple(
            dict.fromkeys(
                (*read.subject_ids, *([envelope.subject_id] if envelope.subject_id else []))
            )
        )
        forgotten = await ledger.forget_cases(list(read.erased_case_ids))
        destroyed = await quarantine.destroy_for_subjects(
            subjects, reason=f"erasure request {read.request_id}"[:REASON_CHARS]
        )
        log.info(
            "erased cases forgotten",
            event_id=str(envelope.event_id),
            cases=forgotten,
            quarantine_keys_destroyed=destroyed,
        )

    return handle
