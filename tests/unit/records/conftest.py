"""Records unit fixtures: envelopes of a few cases, planned into rows by the domain itself."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.records.domain.batches import plan_batch
from services.records.domain.events import Origin, ReceivedEvent, StoredEvent
from shared.envelope import Envelope
from shared.merkle.keys import NoteSigner

ORIGIN = "caselog.example/records"
STORED_AT = datetime(2025, 4, 2, tzinfo=UTC)
MakeEnvelope = Callable[[str, int], Envelope]


def _envelope(case_id: str, n: int) -> Envelope:
    return Envelope(
        type="contact.logged",
        schema_version=1,
        case_id=case_id,
        occurred_at=datetime(2025, 4, 1, tzinfo=UTC) + timedelta(minutes=n),
        recorded_at=datetime(2025, 4, 1, 12, tzinfo=UTC) + timedelta(minutes=n),
        producer="intake",
        correlation_id=f"corr-{case_id}",
        payload={"note": f"contact {n} of {case_id}"},
    )


@pytest.fixture
def make_envelope() -> MakeEnvelope:
    return _envelope


@pytest.fixture
def rows() -> list[StoredEvent]:
    """9 events of 3 cases, interleaved (case-1 at positions 1, 4 and 7)."""
    events = [
        ReceivedEvent(_envelope(f"case-{c}", n), Origin("caselog.intake", 0, 3 * n + c))
        for n in range(3)
        for c in range(3)
    ]
    return list(plan_batch(events, known={}, heads={}, size=0, stored_at=STORED_AT).new_events)


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)
