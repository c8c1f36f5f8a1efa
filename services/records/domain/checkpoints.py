"""Signed checkpoints as the log keeps them, and the pure rule of when the next one is due."""

from dataclasses import dataclass
from datetime import datetime

from services.records.domain.errors import InvalidPolicyError


@dataclass(frozen=True)
class StoredCheckpoint:
    """One issued checkpoint: the C2SP signed note and, for queries, its size and root hash."""

    size: int
    root_hash: bytes
    note: str
    issued_at: datetime


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
