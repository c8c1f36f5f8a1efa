"""Intake's platform status read model keeps each case's newest decision, a batch from the bus
in one transaction, whatever order the batch holds the decisions in."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from services.intake.adapters.decision_status import DecisionStatus, SqlDecisionStatuses

DECIDED = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def decided(case_id: str, outcome: str, minutes: int) -> DecisionStatus:
    return DecisionStatus(
        case_id=case_id,
        decision_id=f"{case_id}-{outcome}",
        decision_type="policy.decided",
        caused_by=None,
        outcome=outcome,
        rules=("scope",),
        articles=("2",),
        actions=("record",),
        policy_version="2026-11",
        decided_at=DECIDED + timedelta(minutes=minutes),
    )


async def test_a_batch_keeps_each_cases_newest_decision_in_any_order(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'intake.sqlite3'}")
    statuses = SqlDecisionStatuses(engine)
    await statuses.create_tables()
    await statuses.keep_all([decided("case-a", "restrict", 5)])

    await statuses.keep_all(
        [
            decided("case-b", "refuse", 3),
            decided("case-a", "accept", 9),
            decided("case-b", "accept", 1),  # older than the batch's other decision of case-b
            decided("case-a", "escalate", 7),
        ]
    )
    await statuses.keep_all([decided("case-a", "restrict", 5)])  # redelivered: changes nothing

    a, b = await statuses.latest("case-a"), await statuses.latest("case-b")
    assert a is not None
    assert b is not None
    assert (a.outcome, a.decided_at) == ("accept", DECIDED + timedelta(minutes=9))
    assert (b.outcome, b.decided_at) == ("refuse", DECIDED + timedelta(minutes=3))
    await engine.dispose()
