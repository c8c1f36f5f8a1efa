"""What intake's handlers need from the outside world, as interfaces adapters implement."""

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel

from services.intake.domain.consultation import Customer
from services.intake.service_layer.commands import Accepted
from shared.bus.messages import OutgoingMessage
from shared.crypto.data_key import DataKey


@dataclass(frozen=True, slots=True)
class CaseRef:
    """A case intake opened: its id, its pseudonymous subject, and the platform ticket behind it."""

    case_id: str
    subject_id: str | None
    platform: str
    external_id: str


@dataclass(frozen=True, slots=True)
class EventStatus:
    """How far one of a case's events got: recorded by intake, then published to the bus."""

    event_id: str
    event_type: str
    recorded_at: datetime
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingMessage:
    key: str
    message: OutgoingMessage


class Ledger(Protocol):
    """Intake's own database: the cases it opened and an outbox keyed for idempotency."""

    async def find(self, key: str) -> Accepted | None:
        """The answer already given for this idempotency key, if any."""

    async def case(self, case_id: str) -> CaseRef | None: ...

    async def case_for_ticket(self, platform: str, external_id: str) -> CaseRef | None: ...

    async def record(
        self, key: str, accepted: Accepted, message: OutgoingMessage, new_case: CaseRef | None
    ) -> Accepted:
        """Store the outgoing message (and the case it opens) atomically; if `key` (or the
        case's ticket) was recorded meanwhile, store nothing and return that answer."""

    def writing(self) -> AbstractAsyncContextManager["LedgerWrite"]:
        """One transaction on the ledger: committed when the block exits, rolled back if it
        raises. What it records is invisible to others (and claims its keys) until then."""

    async def pending(self, limit: int) -> list[PendingMessage]:
        """Recorded messages not yet acknowledged by the bus, oldest first."""

    async def mark_published(self, keys: list[str]) -> None: ...

    async def case_events(self, case_id: str) -> list[EventStatus]: ...


class LedgerWrite(Protocol):
    async def record(
        self, key: str, accepted: Accepted, message: OutgoingMessage, new_case: CaseRef | None
    ) -> Accepted:
        """As `Ledger.record`, inside the write's transaction. A racing request with the same
        key (or ticket) waits here until this transaction ends. Returns the first answer
        (`duplicate`) if the key was recorded before: the caller must then roll back."""


class FieldEncryptor(Protocol):
    async def encrypt(
        self, model: BaseModel, *, case_id: str, event_id: UUID | str
    ) -> dict[str, Any]: ...

    def encrypt_with(
        self, model: BaseModel, key: DataKey, *, case_id: str, event_id: UUID | str
    ) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class OpenedCase:
    subject_id: str | None
    key: DataKey
    # Other subjects this consultation's identities showed to be the same person, now linked
    # to `subject_id` in the subject index (announced as `subject.linked`).
    linked_subjects: tuple[str, ...] = ()


class CaseOpener(Protocol):
    def opening(self, case_id: str, customer: Customer) -> AbstractAsyncContextManager[OpenedCase]:
        """The customer's subject (its e-mail/phone linked, created on first sight; None
        without either) and the new case's data key, in one transaction on the key store:
        committed when the block exits, rolled back (no key, no new links) if it raises."""


class Publisher(Protocol):
    async def publish(self, message: OutgoingMessage) -> None: ...
