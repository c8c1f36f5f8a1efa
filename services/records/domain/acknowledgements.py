"""Acknowledgements on `caselog.records`: per case, where its newest event of a batch now is."""

from collections.abc import Sequence
from datetime import datetime

from services.records.domain import vocabulary
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Appended, ReceivedEvent
from shared.contracts.records import RECORDS_ACKNOWLEDGED, RecordsAcknowledged
from shared.envelope import Envelope


def acknowledgements(
    events: Sequence[ReceivedEvent],
    appended: Sequence[Appended],
    *,
    tree_size: int,
    checkpoint: StoredCheckpoint | None,
    now: datetime,
) -> list[Envelope]:
    """One per case of the batch, for its last event, and one for every `subject.erased`
    (privacy binds each erasure receipt to the checkpoint that includes its events, so it
    must learn where each went, even when a later event of the case shares the batch). The
    topic is compacted by case, so the newest acknowledgement is what stays: the case's log
    index, and the latest signed checkpoint (its size and the signed note itself)."""
    last: dict[str, tuple[ReceivedEvent, Appended]] = {}
    erasures: list[tuple[ReceivedEvent, Appended]] = []
    for received, where in zip(events, appended, strict=True):
        if received.envelope.type == vocabulary.SUBJECT_ERASED:
            erasures.append((received, where))
        last[received.envelope.case_id] = (received, where)
    newest = {where.position for _, where in last.values()}
    # Earlier ones first: of a case's acknowledgements, the newest is published last.
    acknowledged = [pair for pair in erasures if pair[1].position not in newest]
    acknowledged += last.values()
    return [
        RECORDS_ACKNOWLEDGED.envelope(
            RecordsAcknowledged(
                event_id=where.event_id,
                event_type=received.envelope.type,
                position=where.position,
                case_position=where.case_position,
                tree_size=tree_size,
                checkpoint_size=checkpoint.size if checkpoint else None,
                checkpoint_note=checkpoint.note if checkpoint else None,
            ),
            case_id=received.envelope.case_id,
            subject_id=None,
            occurred_at=now,
            recorded_at=now,
            causation_id=where.event_id,
            correlation_id=received.envelope.correlation_id,
        )
        for received, where in acknowledged
    ]
