"""What records' handlers and reads need from storage and the key store, as interfaces the
adapters implement: the log read outside any transaction (it is append-only, so what one
statement saw stays true), and the log inside the unit of work that writes it."""

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel

from services.records.domain.checkpoints import ConsistencyProof, InclusionProof, StoredCheckpoint
from services.records.domain.events import Appended, LeafRow, ReceivedEvent, StoredEvent
from services.records.domain.timeline import StoredFacts, Window
from shared.bus.messages import OutgoingMessage
from shared.merkle.case_map import CaseHead
from shared.merkle.store import NodeId


class CheckpointStore(Protocol):
    """The tree heads of the log: its size and roots, and the signed checkpoints kept so far."""

    async def size(self) -> int:
        """How many events (Merkle leaves) the log holds."""
        ...

    async def root(self, size: int) -> bytes:
        """The RFC 9162 root hash of the first `size` events."""
        ...

    async def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        """Keeps a checkpoint whose root is the log's at its size; returns the one kept for
        that size, which is an earlier one if the size had a checkpoint already."""
        ...

    async def checkpoint(self, size: int) -> StoredCheckpoint | None: ...

    async def latest_checkpoint(self) -> StoredCheckpoint | None: ...

    async def checkpoints(self) -> list[StoredCheckpoint]:
        """Every checkpoint, smallest size first."""
        ...


class CosignatureStore(Protocol):
    """What witnessing needs: consistency proofs, and the witnesses' cosignatures kept so far.
    Checkpoints are read back with their cosignature lines appended to the note."""

    async def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof: ...

    async def add_cosignature(self, size: int, witness: str, signature_line: str) -> None:
        """Keeps a witness's cosignature line of the checkpoint at `size` (the first one kept
        stays)."""
        ...

    async def witnessed_size(self, witness: str) -> int | None:
        """The largest size `witness` (key name+ID) cosigned, None before its first."""
        ...

    async def cosigned_witnesses(self, size: int) -> set[str]: ...


class CaseMapStore(Protocol):
    """What the case map needs: the cases' heads since the last map, and the statements kept."""

    async def case_heads(self, start: int, end: int) -> list[CaseHead]:
        """Each case's event count and chain hash after the events at positions [start, end),
        for the cases with an event there; SizeOutOfRangeError past the log's size."""
        ...

    async def case_map_statement(self, size: int) -> str | None:
        """The signed case map statement kept for the checkpoint of `size`, if any."""
        ...

    async def add_case_map_statement(self, size: int, statement: str) -> str:
        """Keeps the statement of `size`; returns the one kept (an earlier one stays)."""
        ...


class EventStore(CheckpointStore, CosignatureStore, CaseMapStore, Protocol):
    """The append-only event log: one row per event id, a Merkle leaf per row, chained by case."""

    async def append_batch(self, events: Sequence[ReceivedEvent]) -> tuple[Appended, ...]:
        """Appends a batch of any size in one transaction, all or nothing, one result per
        event in order (records' bus consumer hands it a batch of messages).

        An event id already stored, or earlier in the batch, keeps its position and changes
        nothing; the same id with other bytes refuses the batch (EventConflictError).
        """
        ...

    async def event(self, event_id: str) -> StoredEvent:
        """The stored event; UnknownEventError if there is none."""
        ...

    async def events(self) -> list[StoredEvent]:
        """Every event, in log order."""
        ...

    async def events_from(self, position: int, limit: int) -> list[StoredEvent]:
        """Up to `limit` events at `position` or later, in log order (a page of an audit)."""
        ...

    async def case_events(self, case_id: str) -> list[StoredEvent]:
        """The events of one case, in log (and so case) order."""
        ...

    async def case_facts(self, case_id: str, window: Window) -> list[StoredFacts]:
        """The case's events `window` admits, in the order they happened (log order breaks
        ties), as the case view folds them: what a replay reads, no Envelope built. Empty if
        none, whether or not the log holds the case."""
        ...

    async def leaf_hashes(self) -> dict[int, bytes]:
        """The leaf hash the Merkle tree committed to for each position."""
        ...

    async def leaf_rows(self, start: int, end: int) -> list[LeafRow]:
        """What an audit checks of positions [start, end), in log order, in one read: the
        events there, each with the leaf hash the Merkle tree committed to at its position."""
        ...

    async def inclusion_proof(self, event_id: str, size: int) -> InclusionProof:
        """The event's audit path in the tree of `size` events."""
        ...

    async def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """The stored hashes of Merkle nodes `ids`, in order; MissingNodeError if one is absent."""
        ...


class PersonalFields(Protocol):
    """Decryption for reveals, with the key store's word on whether a case was shredded."""

    async def reveal(
        self,
        payload: Mapping[str, Any],
        schema: type[BaseModel],
        *,
        case_id: str,
        event_id: str,
        reader: str,
        key_destroyed: bool = False,
    ) -> dict[str, Any]:
        """`payload` with every personal field of `schema` in plaintext, or `[erased]`
        (every one, with no key looked up, when the caller knows `key_destroyed`)."""
        ...

    async def destroyed_keys(self, case_ids: Collection[str]) -> frozenset[str]:
        """Those of `case_ids` whose keys are destroyed, by the key store's word now (never a
        cache); their keys are no longer usable in this process afterwards."""
        ...

    async def key_destroyed(self, case_id: str) -> bool: ...

    def forget_key(self, case_id: str) -> None:
        """Drop the case's key from this process's cache (privacy destroyed it elsewhere)."""
        ...

    def forget_all_keys(self) -> None:
        """Drop every cached key (a key epoch closed)."""
        ...


class LogTransaction(Protocol):
    """The log inside a unit of work's transaction: nothing is kept before its commit."""

    async def append(self, events: Sequence[ReceivedEvent]) -> tuple[Appended, ...]:
        """Appends events, Merkle nodes and chain links, one result per event in order.

        An event id already stored keeps its position and changes nothing; the same id with
        other bytes refuses the batch (EventConflictError); the caller rolls back then.
        """
        ...

    async def size(self) -> int:
        """How many events the log holds in this transaction."""
        ...

    async def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        """As `CheckpointStore.add_checkpoint`, in this transaction."""
        ...

    async def add_cosignature(self, size: int, witness: str, signature_line: str) -> None:
        """As `CosignatureStore.add_cosignature`, in this transaction."""
        ...

    async def add_case_map_statement(self, size: int, statement: str) -> str:
        """As `CaseMapStore.add_case_map_statement`, in this transaction."""
        ...

    def committed(self) -> None:
        """Told by the unit of work once the transaction committed: what the writer learnt
        about the log's tail may be kept for its next append (never after a rollback)."""
        ...


class Publisher(Protocol):
    async def publish(self, message: OutgoingMessage) -> None: ...

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None: ...
