"""Rows of the records tables to domain objects and back; timestamps are UTC both ways."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Origin, StoredEvent
from shared.sql_types import as_utc


def event_row(event: StoredEvent) -> tuple[Any, ...]:
    """The event's values in the columns' order, the inverse of `stored_event`."""
    origin = event.origin
    return (
        event.position,
        event.event_id,
        event.case_id,
        event.case_position,
        event.event_type,
        event.occurred_at,
        event.recorded_at,
        event.stored_at,
        origin.topic if origin else None,
        origin.partition if origin else None,
        origin.offset if origin else None,
        event.leaf,
        event.prev_hash,
        event.chain_hash,
    )


def stored_event(row: Sequence[Any]) -> StoredEvent:
    """A row of `select(tables.events)`, its columns in the table's order."""
    # Unpacked by position: replays and audits map every row, and named access costs more.
    (
        position,
        event_id,
        case_id,
        case_position,
        event_type,
        occurred_at,
        recorded_at,
        stored_at,
        origin_topic,
        origin_partition,
        origin_offset,
        leaf,
        prev_hash,
        chain_hash,
    ) = row
    origin = None
    if origin_topic is not None:
        origin = Origin(origin_topic, origin_partition, origin_offset)
    return StoredEvent(
        position,
        event_id,
        case_id,
        case_position,
        event_type,
        as_utc(occurred_at),
        as_utc(recorded_at),
        as_utc(stored_at),
        origin,
        bytes(leaf),
        bytes(prev_hash),
        bytes(chain_hash),
    )


def checkpoint_row(checkpoint: StoredCheckpoint) -> dict[str, Any]:
    return {
        "size": checkpoint.size,
        "root_hash": checkpoint.root_hash,
        "note": checkpoint.note,
        "issued_at": checkpoint.issued_at,
    }


def stored_checkpoint(row: Row[Any]) -> StoredCheckpoint:
    return StoredCheckpoint(row.size, bytes(row.root_hash), row.note, as_utc(row.issued_at))
