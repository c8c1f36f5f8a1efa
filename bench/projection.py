"""B6's fold of a case as of a moment: the records read model where it exists, else our own.

The records service's read model (timeline + case view) is being built; until it is there the
benchmark folds with the small projection below, and the results say which one ran.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.records.domain.events import StoredEvent
from shared.envelope import decode_envelope


@dataclass
class CaseSummary:
    """Bench's stand-in for the read model: what a case view needs from every event."""

    case_id: str
    events: int = 0
    contacts: int = 0
    channel: str | None = None
    opened_at: datetime | None = None
    last_occurred_at: datetime | None = None
    types: Counter[str] = field(default_factory=Counter)


def bench_fold(case_id: str, stored: Sequence[StoredEvent], as_of: datetime) -> object:
    summary = CaseSummary(case_id)
    for event in stored:
        envelope = decode_envelope(event.leaf)
        if envelope.recorded_at > as_of:
            continue
        summary.events += 1
        summary.types[envelope.type] += 1
        summary.last_occurred_at = envelope.occurred_at
        if envelope.type == "consultation.received":
            summary.opened_at = envelope.occurred_at
            channel = envelope.payload.get("channel")
            summary.channel = channel if isinstance(channel, str) else None
        else:
            summary.contacts += 1
    return summary


try:
    from services.records.domain.case_view import project_case
    from services.records.domain.timeline import CaseEvent, Window, select
except ImportError:
    PROJECTION = "bench's own fold (bench/projection.py): the records read model is not there yet"
    replay = bench_fold
else:
    PROJECTION = "the records read model: timeline.select + case_view.project_case"

    def replay(case_id: str, stored: Sequence[StoredEvent], as_of: datetime) -> object:
        events = select([CaseEvent.of(event) for event in stored], Window(as_of=as_of))
        return project_case(case_id, (event.envelope for event in events))
