"""Records' events on `caselog.records`: every reveal of personal data, and the log position
(with the latest signed checkpoint) of what it appended."""

from datetime import datetime
from typing import Literal

from shared.auth.roles import Role
from shared.contracts.declaring import EventContract, MessageKey
from shared.frozen import FrozenModel

PRODUCER = "records"


class _Payload(FrozenModel):
    """The base of records' payloads."""


class RevealedFields(_Payload):
    event_id: str
    fields: tuple[str, ...]


class AccessRecorded(_Payload):
    """A read that revealed personal data: who, in which role, why, and the field paths
    revealed per event, never their values."""

    actor: str
    role: Role
    purpose: str | None
    matter: str | None
    view: Literal["timeline", "bundle"]
    as_of: datetime | None
    valid_at: datetime | None
    revealed: tuple[RevealedFields, ...]


class RecordsAcknowledged(_Payload):
    """An event is in the log: its position, its case position, and the latest checkpoint."""

    event_id: str
    event_type: str
    position: int
    case_position: int
    tree_size: int
    checkpoint_size: int | None
    checkpoint_note: str | None


ACCESS_RECORDED = EventContract(
    "access.recorded", 1, PRODUCER, AccessRecorded, "a read that revealed personal data"
)
RECORDS_ACKNOWLEDGED = EventContract(
    "records.acknowledged",
    1,
    PRODUCER,
    RecordsAcknowledged,
    "an event is in the log: its position and the latest signed checkpoint",
    MessageKey.CASE,
)

CONTRACTS = (ACCESS_RECORDED, RECORDS_ACKNOWLEDGED)
