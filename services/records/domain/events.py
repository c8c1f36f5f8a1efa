"""Events as the records log receives and keeps them: origin on the bus, positions, chain hashes."""

from dataclasses import dataclass
from datetime import datetime

from services.records.domain.errors import InvalidEventError
from shared.envelope import Envelope


@dataclass(frozen=True, slots=True)
class Origin:
    """Where on the bus an event was read: kept so any stored event can be traced to a message."""

    topic: str
    partition: int
    offset: int

    def __post_init__(self) -> None:
        if not self.topic or len(self.topic) > 249:
            raise InvalidEventError("an origin topic has 1 to 249 characters")
        if self.partition < 0 or self.offset < 0:
            raise InvalidEventError(f"origin {self.topic}: partition and offset cannot be negative")


@dataclass(frozen=True)
class ReceivedEvent:
    """An envelope to append; `origin` is None for events the records service writes itself."""

    envelope: Envelope
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One row of the log (slots: replays and audits build one per row, and build them faster).

    `leaf` holds the exact bytes that were hashed: the canonical envelope (`encode_envelope`),
    which is the RFC 9162 leaf at index `position`. The other columns repeat fields of the
    envelope so they can be queried; `verify_store` checks that they agree with `leaf`.
    """

    position: int
    event_id: str
    case_id: str
    case_position: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    stored_at: datetime
    origin: Origin | None
    leaf: bytes
    prev_hash: bytes
    chain_hash: bytes


@dataclass(frozen=True, slots=True)
class Appended:
    """Where an appended event is; `is_new` is False when it had been stored before."""

    event_id: str
    position: int
    case_position: int
    is_new: bool
