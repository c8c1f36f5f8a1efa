"""Bitemporal windows: `as_of` by the recorded time, `valid_at` by the time things happened,
with a phone note that happened early and was recorded late."""

from datetime import UTC, datetime

import pytest

from services.records.domain.case_view import project_case
from services.records.domain.events import ReceivedEvent, plan_batch
from services.records.domain.timeline import CaseEvent, Window, select
from shared.envelope import Envelope


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, 2, hour, minute, tzinfo=UTC)


def event(name: str, occurred: datetime, recorded: datetime) -> Envelope:
    return Envelope(
        type="contact.logged" if name != "opened" else "consultation.received",
        schema_version=1,
        case_id="case-1",
        occurred_at=occurred,
        recorded_at=recorded,
        producer="intake",
        correlation_id="corr-1",
        payload={"name": name},
    )


@pytest.fixture
def events() -> list[CaseEvent]:
    """Log order: opened, e-mail, then the late phone note (happened 10:00, written at 15:00)."""
    envelopes = [
        event("opened", at(9), at(9, 1)),
        event("e-mail", at(12), at(12)),
        event("phone note", at(10), at(15)),
    ]
    stored = plan_batch(
        [ReceivedEvent(e) for e in envelopes], known={}, heads={}, size=0, stored_at=at(16)
    ).new_events
    return [CaseEvent.of(row) for row in stored]


def names(events: list[CaseEvent]) -> list[object]:
    return [e.envelope.payload["name"] for e in events]


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (Window(), ["opened", "phone note", "e-mail"]),
        (Window(as_of=at(13)), ["opened", "e-mail"]),
        (Window(valid_at=at(11)), ["opened", "phone note"]),
        (Window(as_of=at(13), valid_at=at(11)), ["opened"]),
        (Window(as_of=at(15), valid_at=at(11)), ["opened", "phone note"]),
        (Window(as_of=at(8)), []),
    ],
)
def test_windows_select_by_recorded_and_by_occurred_time(
    events: list[CaseEvent], window: Window, expected: list[str]
) -> None:
    assert names(select(events, window)) == expected


def test_the_timeline_follows_what_happened_not_the_log_order(events: list[CaseEvent]) -> None:
    chosen = select(events, Window())

    assert [e.stored.position for e in chosen] == [0, 2, 1]


def test_the_read_model_differs_as_of_and_valid_at(events: list[CaseEvent]) -> None:
    known_at_one = project_case("case-1", (e.envelope for e in select(events, Window(at(13)))))
    happened_by_eleven = project_case(
        "case-1", (e.envelope for e in select(events, Window(valid_at=at(11))))
    )

    assert (known_at_one.contacts, known_at_one.last_occurred_at) == (1, at(12))
    assert (happened_by_eleven.contacts, happened_by_eleven.last_occurred_at) == (1, at(10))
