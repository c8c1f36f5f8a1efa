"""Signed checkpoints as the log keeps them, the rule of when the next is due, the proofs the
log hands out, and the witnesses (C2SP tlog-witness) asked to cosign each checkpoint."""

from dataclasses import dataclass
from datetime import datetime

from services.records.domain.errors import InvalidPolicyError
from shared.merkle.cosignature import CosignatureVerifier


@dataclass(frozen=True)
class StoredCheckpoint:
    """One issued checkpoint: the C2SP signed note and, for queries, its size and root hash."""

    size: int
    root_hash: bytes
    note: str
    issued_at: datetime


@dataclass(frozen=True)
class LogIdentity:
    """What names the log to outsiders: its checkpoints' origin line and its public key."""

    origin: str
    verifier_key: str


@dataclass(frozen=True)
class CheckpointPolicy:
    """A checkpoint is due after `every_events` new events, or `every_seconds` after the last
    one if any event came since; never for a size that already has one."""

    every_events: int = 1000
    every_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.every_events < 1 or not self.every_seconds > 0:
            raise InvalidPolicyError("checkpoint intervals must be positive")

    def due(
        self, last_checkpoint_size: int, last_time: datetime | None, size: int, now: datetime
    ) -> bool:
        """Whether to sign the log at `size` now; `last_time` is None before any checkpoint."""
        if size <= last_checkpoint_size:
            return False  # nothing new to commit to
        if last_time is None or size - last_checkpoint_size >= self.every_events:
            return True
        return (now - last_time).total_seconds() >= self.every_seconds


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 audit path of the event at leaf `index` in the tree of `size` leaves.

    `leaf_hash` is computed from the stored bytes; a verifier holding the event recomputes it.
    """

    event_id: str
    index: int
    size: int
    leaf_hash: bytes
    hashes: tuple[bytes, ...]


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 proof that the tree of `new_size` leaves extends the tree of `old_size`."""

    old_size: int
    new_size: int
    hashes: tuple[bytes, ...]


@dataclass(frozen=True)
class WitnessIdentity:
    """Where a witness listens and the key it cosigns with (the one verifiers will trust)."""

    url: str
    verifier: CosignatureVerifier

    @property
    def key_name(self) -> str:
        """Name and hex key ID: what the cosignatures table stores as `witness`."""
        return f"{self.verifier.name}+{self.verifier.key_id:08x}"


@dataclass(frozen=True)
class CosignatureGiven:
    """200: the witness's signature lines over the checkpoint."""

    signature_lines: tuple[str, ...]


@dataclass(frozen=True)
class SizeConflict:
    """409: the witness holds another size for the log; the next request proves from it."""

    known_size: int


@dataclass(frozen=True)
class Refused:
    """Any other answer: 403 unknown log or bad log signature, 422 inconsistent (a fork),
    400 malformed, or no answer at all (status 0)."""

    status: int
    reason: str


WitnessAnswer = CosignatureGiven | SizeConflict | Refused
