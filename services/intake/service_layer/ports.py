"""What intake's handlers need from the outside world, as interfaces adapters implement."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel

from services.intake.domain.consultation import Customer
from services.intake.domain.errors import IntakeError
from services.intake.domain.writeback import WriteBackNote
from services.intake.service_layer.messages import Accepted
from shared.bus.messages import OutgoingMessage
from shared.crypto.data_key import DataKey


@dataclass(frozen=True, slots=True)
class CaseRef:
    """A case intake opened: its id, its pseudonymous subject, and the platform ticket behind it."""

    case_id: str
    subject_id: str | None
    platform: str
    external_id: str
    received_at: datetime | None = None  # the consultation's (checked) time; None on old rows
    language: str | None = None  # the ticket's language, when the consultation said


@dataclass(frozen=True, slots=True)
class EventStatus:
    """How far one of a case's events got: recorded by intake, then published to the bus."""

    event_id: str
    event_type: str
    recorded_at: datetime
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """A recorded message and the idempotency key it was recorded under."""

    key: str
    message: OutgoingMessage


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One message to record under its idempotency key, with the case it opens (if any) and
    the request's digest (for an Idempotency-Key)."""

    key: str
    accepted: Accepted
    message: OutgoingMessage
    new_case: CaseRef | None = None
    request_digest: bytes | None = None


class Ledger(Protocol):
    """Intake's own database inside one transaction of a unit of work: the cases it opened
    and an outbox keyed for idempotency. What it records is invisible to others (and claims
    its keys) until the unit of work commits."""

    async def find(self, key: str, request_digest: bytes | None = None) -> Accepted | None:
        """The answer already given for this idempotency key, if any; IdempotencyKeyReusedError
        if it was given for a request whose digest differs from `request_digest`."""

    async def case(self, case_id: str) -> CaseRef | None: ...

    async def case_for_ticket(self, platform: str, external_id: str) -> CaseRef | None: ...

    async def record(
        self,
        key: str,
        accepted: Accepted,
        message: OutgoingMessage,
        new_case: CaseRef | None,
        request_digest: bytes | None = None,
    ) -> Accepted:
        """Store the outgoing message (and the case it opens). A racing request with the same
        key (or ticket) waits here until the other's transaction ends. If the key (or the
        case's ticket) was recorded before, returns that first answer (`duplicate`, refusing a
        different `request_digest` as `find` does): the caller then leaves without commit."""

    async def record_many(self, entries: Sequence[LedgerEntry]) -> list[Accepted | IntakeError]:
        """`record` for several entries in a few statements (a group commit's batch step):
        per entry, in order, its answer (`duplicate` for one recorded before) or the error
        `record` would raise. The keys and tickets of `entries` MUST be distinct."""

    async def pending(self, limit: int) -> list[PendingMessage]:
        """Recorded messages not yet acknowledged by the bus, oldest first."""

    async def mark_published(self, keys: list[str]) -> None: ...

    async def case_events(self, case_id: str) -> list[EventStatus]: ...

    async def forget_cases(self, case_ids: list[str]) -> int:
        """Forget erased cases' platform tickets and request keys (idempotent); returns how
        many cases were still known."""


@dataclass(frozen=True, slots=True)
class OpenedCase:
    subject_id: str | None
    key: DataKey
    # Other subjects this consultation's identities showed to be the same person, now linked
    # to `subject_id` in the subject index (announced as `subject.linked`).
    linked_subjects: tuple[str, ...] = ()


class CaseKeys(Protocol):
    """The key store inside one transaction of a unit of work."""

    async def open(self, case_id: str, customer: Customer) -> OpenedCase:
        """The customer's subject (its e-mail/phone linked, created on first sight; None
        without either) and the new case's data key; gone if the unit of work rolls back."""


class TicketWriter(Protocol):
    """A platform's API as the write-back uses it: note and tags on a ticket, the note's id."""

    platform: str

    async def write(self, ticket_id: str, note: WriteBackNote) -> str: ...


class WriteBacks(Protocol):
    """Which decisions were written back to their ticket, with the platform's note id."""

    async def sent_note(self, decision_id: str) -> str | None: ...

    async def record(self, decision_id: str, case_id: str, platform: str, note_id: str) -> None:
        """Idempotent: a decision recorded twice keeps its first note id."""


class LedgerUnitOfWork(Protocol):
    """One transaction on the ledger: committed by `commit()`, rolled back on leaving the
    block without it (an error, a duplicate found half-way, a cancelled task)."""

    ledger: Ledger

    async def commit(self) -> None: ...


class CaseOpeningUnitOfWork(LedgerUnitOfWork, Protocol):
    """The ledger's transaction and the key store's, ending together: the key store commits
    first, so every recorded event has its key, and a rollback leaves no key and no link."""

    cases: CaseKeys


class FieldEncryptor(Protocol):
    async def encrypt(
        self, model: BaseModel, *, case_id: str, event_id: UUID | str
    ) -> dict[str, Any]: ...

    def encrypt_with(
        self, model: BaseModel, key: DataKey, *, case_id: str, event_id: UUID | str
    ) -> dict[str, Any]: ...


class RequestDigests(Protocol):
    async def digest(self, case_id: str, request: BaseModel) -> bytes:
        """A digest of the request keyed by the case's data key: equal for equal requests,
        unguessable without the key, and meaningless once the case's key is destroyed."""

    def under(self, data_key: DataKey, case_id: str, request: BaseModel) -> bytes:
        """The same digest under a case's key in hand (a case being opened, not yet stored)."""


class CachedKeys(Protocol):
    """The key store's cache of unwrapped case keys, which intake encrypts with."""

    def evict(self, case_id: str) -> None: ...

    def forget_cached_keys(self) -> None: ...


class DeadLetterKeys(Protocol):
    """The keys of sealed ingress dead letters (the quarantine)."""

    async def destroy_for_subjects(self, subject_ids: tuple[str, ...], reason: str) -> int: ...


class Publisher(Protocol):
    async def publish(self, message: OutgoingMessage) -> None: ...
