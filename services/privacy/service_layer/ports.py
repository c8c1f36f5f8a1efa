"""What privacy's handlers need from outside, as interfaces adapters implement (its store and
unit of work, the key store, the subject index, decryption, the bus, the receipt signer), and
the dependencies `bootstrap` wires from them."""

import asyncio
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel

import shared.handling
from services.privacy.domain.cases import CaseRecord, CopyMeta
from services.privacy.domain.copies import AnonymizedCopy
from services.privacy.domain.holds import Hold, Recommendation
from services.privacy.domain.receipt import (
    CompletionStatement,
    ErasureReceipt,
    RecordsCheckpoint,
    SignedCompletion,
    SignedReceipt,
)
from services.privacy.domain.requests import PrivacyRequest, RequestKind
from services.privacy.domain.rules import PrivacyRules
from services.privacy.domain.scrubber import Scrubber
from services.privacy.service_layer.changes import Change, SealedCopy
from services.privacy.service_layer.messages import Identities
from shared.bus.messages import OutgoingMessage
from shared.crypto.epochs import Epoch, EpochClosure
from shared.crypto.key_store import Tombstone
from shared.envelope import Envelope

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class KeptCopy:
    """A sealed copy and the retention facts of its case."""

    case_id: str
    copy: SealedCopy
    closed_at: datetime
    closure_reason: str | None


class PrivacyStore(Protocol):
    """Reading privacy's own database: cases, kept envelopes, holds, copies, requests,
    checkpoints. Outside a unit of work each read sees the latest committed state."""

    async def case(self, case_id: str) -> CaseRecord | None: ...

    async def cases(self, subject_ids: Collection[str] | None = None) -> list[CaseRecord]:
        """Every case, or the cases of these subjects."""

    async def case_envelopes(self, case_id: str) -> list[Envelope]:
        """The kept envelopes of the case, in the order they happened."""

    async def kept_events(self, case_ids: Collection[str]) -> int:
        """How many envelopes are still kept for these cases."""

    async def decision_caused_by(self, event_id: str) -> Envelope | None: ...

    async def decisions_caused_by(self, event_ids: Collection[str]) -> dict[str, Envelope]:
        """`decision_caused_by` of each of `event_ids` that has one, in one read."""

    async def erasure_of(self, subject_id: str) -> str | None:
        """The request that erased this subject, if one did."""

    async def erasures_of(self, subject_ids: Collection[str]) -> dict[str, str]:
        """`erasure_of` of each of `subject_ids` that was erased, in one read."""

    async def holds(self, *, active_only: bool) -> list[Hold]: ...

    async def hold(self, hold_id: str) -> Hold | None: ...

    async def recommendations(self, *, pending_only: bool) -> list[Recommendation]: ...

    async def recommendation(self, recommendation_id: str) -> Recommendation | None: ...

    async def copies(self, after: str | None, limit: int) -> list[SealedCopy]:
        """Anonymized copies (sealed) ordered by copy id, after `after`."""

    async def copy(self, copy_id: str) -> KeptCopy | None: ...

    async def copy_of_case(self, case_id: str) -> SealedCopy | None:
        """The case's copy, if one was written (a sweep that failed after writing it)."""

    async def copy_metas(self) -> list[CopyMeta]: ...

    async def requests(self, kind: RequestKind | None) -> list[PrivacyRequest]: ...

    async def request(self, request_id: str) -> PrivacyRequest | None: ...

    async def receipt(self, request_id: str) -> SignedReceipt | None: ...

    async def checkpoint(self) -> RecordsCheckpoint | None: ...

    async def unbound_receipts(self) -> list[tuple[str, tuple[str, ...]]]:
        """Receipts still waiting for a records checkpoint: request id and its event ids."""

    async def erasure_positions(self, event_ids: Collection[str]) -> dict[str, int]:
        """The log positions records acknowledged for these `subject.erased` events."""

    async def incomplete_receipts(self, up_to_epoch: int) -> list[tuple[str, int]]:
        """Receipts (request id, epoch) of epochs up to this one no completion names yet."""

    async def completion(self, closed_epoch: int) -> SignedCompletion | None: ...

    async def completion_of(self, request_id: str) -> SignedCompletion | None:
        """The completion statement naming this receipt, once its epoch has closed."""


class PrivacyStoreWrites(PrivacyStore, Protocol):
    """The store inside a unit of work: its reads see the changes applied so far."""

    async def apply(self, event_id: str | None, changes: Sequence[Change]) -> bool:
        """Apply `changes`; with an `event_id` once only (False, and nothing applied, if that
        event was applied before)."""

    async def apply_each(self, events: Sequence[tuple[str | None, Sequence[Change]]]) -> list[bool]:
        """`apply` for each event's changes; which of them went in."""

    async def first_seen(self, event_ids: Sequence[str | None]) -> list[bool]:
        """Records the event ids as applied, in one write; for each, whether it is new (None
        always is; an id given twice is new the first time only)."""

    async def apply_together(self, found: Sequence[Change]) -> None:
        """The changes of several new events (checked by `first_seen`), in order, with the
        outcome of applying them one by one, in a few statements per table. Only what other
        services' events change (adapters.batch_writes.TOGETHER)."""


class UnitOfWork(shared.handling.UnitOfWork, Protocol):
    """One transaction on privacy's store: committed by `commit()`, rolled back on leaving the
    block otherwise (adapters.store.SqlUnitOfWork, a shared.handling.SqlUnitOfWork).

    A handler keeps key-store writes (destroying a key, sealing a copy) outside the block: the
    key store is another database, and on SQLite two write transactions on one file wait for
    each other."""

    @property
    def store(self) -> PrivacyStoreWrites: ...


class KeyShredder(Protocol):
    async def destroy(self, case_id: str, *, actor: str, reason: str) -> Tombstone: ...

    async def destroy_many(
        self, case_ids: Sequence[str], *, actor: str, reason: str
    ) -> list[Tombstone]:
        """`destroy` of every case in one transaction; tombstones in the order given."""

    async def tombstone(self, case_id: str) -> Tombstone | None: ...

    async def tombstones(self, case_ids: Sequence[str]) -> dict[str, Tombstone | None]: ...


class SubjectDirectory(Protocol):
    async def lookup(self, identities: Identities) -> tuple[str, ...]:
        """The subjects of the identities given and every subject linked to them (one person
        may have several pseudonyms); InvalidRequestError unless each identity is exactly one
        e-mail address or one phone number."""

    async def still_known(self, identities: Identities) -> bool:
        """Whether any of the identities still leads to a subject."""

    async def forget(self, subject_id: str) -> int: ...


class CopySealer(Protocol):
    """Anonymized copies sealed under business-copy keys: one key per copy version, which can
    be destroyed to withdraw that version everywhere it was ever stored."""

    async def seal(self, copy: AnonymizedCopy, version: int) -> SealedCopy: ...

    async def open(self, sealed: SealedCopy) -> AnonymizedCopy:
        """The copy; CryptoError if its key was destroyed or the ciphertext does not verify."""

    async def destroy(self, sealed: SealedCopy, *, actor: str, reason: str) -> None: ...


class Decryptor(Protocol):
    async def decrypt(self, envelope: Envelope, schema: type[BaseModel]) -> dict[str, Any]:
        """The payload with its personal fields in plaintext (`[erased]` once shredded)."""

    async def forget_destroyed(self, case_ids: Sequence[str]) -> frozenset[str]:
        """Those of `case_ids` whose keys are destroyed, by the key store's word now; their
        keys are no longer usable in this process (another privacy instance may have erased)."""


class Publisher(Protocol):
    async def publish(self, message: OutgoingMessage) -> None: ...


class ReceiptSigner(Protocol):
    @property
    def verifier_key(self) -> str:
        """The public key in note verifier form (name+id+key), for offline verification."""

    def sign(self, receipt: ErasureReceipt) -> SignedReceipt: ...

    def sign_completion(self, statement: CompletionStatement) -> SignedCompletion: ...


class EpochKeys(Protocol):
    """The key store's epochs (shared/crypto/epochs.py, shared.crypto.key_store.KeyStore): the
    one open now (an erasure's residual copies stop being readable when it closes), closing it,
    and which closes are still to be announced."""

    async def current_epoch(self) -> Epoch: ...

    async def close_epoch(
        self, *, holder: str, if_open: int | None = None
    ) -> EpochClosure | None: ...

    async def unannounced_closures(self) -> list[EpochClosure]: ...

    async def mark_announced(self, closure: EpochClosure) -> None: ...


@dataclass(frozen=True, slots=True)
class PrivacyDependencies:
    """Everything privacy's handlers run on, wired once by bootstrap."""

    store: PrivacyStore
    unit_of_work: Callable[[], UnitOfWork]
    keys: KeyShredder
    copies: CopySealer
    subjects: SubjectDirectory
    decryptor: Decryptor
    signer: ReceiptSigner
    publisher: Publisher
    # Where privacy's own events go (and are read back from).
    privacy_topic: str
    rules: PrivacyRules
    scrubber: Scrubber
    clock: Clock
    epochs: EpochKeys
    # An item expired longer ago than this was missed by the scheduled sweep: overdue.
    sweep_interval: timedelta
    # One sweep or erasure at a time per process: both decide from the same holds and cases.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
