"""Acknowledgements on `caselog.records`: per case, where its newest event of a batch now is."""

from collections.abc import Sequence
from datetime import datetime

from services.records.domain import vocabulary
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Appended, ReceivedEvent
from shared.envelope import Envelope


def acknowledgements(
    events: Sequence[ReceivedEvent],
    appended: Sequence[Appended],
    *,
    tree_size: int,
    checkpoint: StoredCheckpoint | None,
    now: datetime,
) -> list[Envelope]:
    """One per case of the batch, for its last event. The topic is compacted by case, so the
    newest acknowledgement is what stays: the case's log index, and the latest signed
    checkpoint (its size and the signed note itself, which privacy binds into receipts)."""
    last: dict[str, tuple[ReceivedEvent, Appended]] = {}
    for received, where in zip(events, appended, strict=True):
        last[received.envelope.case_id] = (received, where)
    return [
        Envelope(
            type=vocabulary.RECORDS_ACKNOWLEDGED,
            schema_version=1,
            case_id=case_id,
            occurred_at=now,
            recorded_at=now,
            producer=vocabulary.PRODUCER,
            causation_id=where.event_id,
            correlation_id=received.envelope.correlation_id,
            payload={
                "event_id": where.event_id,
                "event_type": received.envelope.type,
                "position": where.position,
                "case_position": where.case_position,
                "tree_size": tree_size,
                "checkpoint_size": checkpoint.size if checkpoint else None,
                "checkpoint_note": checkpoint.note if checkpoint else None,
            },
        )
        for case_id, (received, where) in last.items()
    ]
