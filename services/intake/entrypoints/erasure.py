"""caselog.privacy as intake reads it: on `subject.erased` intake forgets the erased cases'
platform tickets and destroys the quarantine keys of ingress dead letters that named an erased
subject; on every event that destroys case keys it drops them from its key cache at once."""

from collections.abc import Awaitable, Callable
from typing import Protocol

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
CASE_ANONYMIZED = "case.anonymized"
KEYS_EPOCH_CLOSED = "keys.epoch_closed"
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


class CachedKeys(Protocol):
    """Intake's cache of unwrapped case keys (the key store's), which it encrypts with."""

    def evict(self, case_id: str) -> None: ...

    def forget_cached_keys(self) -> None: ...


def erasure_handler(
    ledger: Ledger, quarantine: Quarantine, keys: CachedKeys
) -> Callable[[ConsumedMessage], Awaitable[None]]:
    """The bus handler; other event types on the topic pass. Idempotent (at-least-once).

    A key privacy destroyed (erasure, anonymization) or an epoch it closed must not stay in
    this process's memory until the cache expires: the keys go from the cache first."""

    async def handle(message: ConsumedMessage) -> None:
        envelope = decode_envelope(message.value)
        if envelope.type == KEYS_EPOCH_CLOSED:
            keys.forget_cached_keys()
            return
        if envelope.type == CASE_ANONYMIZED:
            keys.evict(envelope.case_id)
            return
        if envelope.type != SUBJECT_ERASED:
            return
        keys.evict(envelope.case_id)  # before the payload is read: a bad one still evicts
        if envelope.schema_version != READ_VERSION:
            raise UnreadableErasureError(f"{SUBJECT_ERASED}: unknown schema version")
        try:
            read = _ErasedRead.model_validate(envelope.payload)
        except ValidationError as error:
            raise UnreadableErasureError(f"{SUBJECT_ERASED}: {summarize(error)}") from None
        for case_id in read.erased_case_ids:
            keys.evict(case_id)
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
