"""Rows of the records tables to domain objects and back; timestamps are UTC both ways."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Origin, StoredEvent


def event_row(event: StoredEvent) -> dict[str, Any]:
    origin = event.origin
    return {
        "position": event.position,
        "event_id": event.event_id,
        "case_id": event.case_id,
        "case_position": event.case_position,
        "event_type": event.event_type,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "stored_at": event.stored_at,
        "origin_topic": origin.topic if origin else None,
        "origin_partition": origin.partition if origin else None,
        "origin_offset": origin.offset if origin else None,
        "leaf": event.leaf,
        "prev_hash": event.prev_hash,
        "chain_hash": event.chain_hash,
    }


def stored_event(row: Row[Any]) -> StoredEvent:
    origin = None
    if row.origin_topic is not None:
        origin = Origin(row.origin_topic, row.origin_partition, row.origin_offset)
    return StoredEvent(
        position=row.position,
        event_id=row.event_id,
        case_id=row.case_id,
        case_position=row.case_position,
        event_type=row.event_type,
        occurred_at=utc(row.occurred_at),
        recorded_at=utc(row.recorded_at),
        stored_at=utc(row.stored_at),
        origin=origin,
        leaf=bytes(row.leaf),
        prev_hash=bytes(row.prev_hash),
        chain_hash=bytes(row.chain_hash),
    )


def checkpoint_row(checkpoint: StoredCheckpoint) -> dict[str, Any]:
    return {
        "size": checkpoint.size,
        "root_hash": checkpoint.root_hash,
        "note": checkpoint.note,
        "issued_at": checkpoint.issued_at,
    }


def stored_checkpoint(row: Row[Any]) -> StoredCheckpoint:
    return StoredCheckpoint(row.size, bytes(row.root_hash), row.note, utc(row.issued_at))


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every value was written in UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
