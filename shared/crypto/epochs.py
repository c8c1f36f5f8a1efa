"""Key epochs: the period during which one KEK wraps every data key, and what closing one did.

Closing an epoch re-wraps every live data key under a fresh KEK and then destroys the old KEK
in its keyring, so every leftover copy of a key wrapped under it (WAL frames, dead tuples,
dumps, backups, replicas) can no longer be unwrapped. An erasure is complete, for all copies,
at the close of the epoch that was open when it destroyed its keys.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Epoch:
    """An epoch: its number (1, 2, ...), the KEK that wraps under it, when it opened, and the
    latest time it is scheduled to close (opened_at + the configured epoch length)."""

    number: int
    kek_id: str
    opened_at: datetime
    closes_by: datetime


@dataclass(frozen=True, slots=True)
class EpochClosure:
    """What one close did: the epoch closed (its KEK destroyed), the epoch opened in its place,
    how many live data keys were re-wrapped, and when the old KEK was destroyed."""

    closed: Epoch
    opened: Epoch
    rewrapped_keys: int
    closed_at: datetime

    @property
    def destroyed_kek_id(self) -> str:
        return self.closed.kek_id
