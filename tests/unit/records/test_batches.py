"""Planning a batch: idempotency by event id, dense positions, chain links, and refusals."""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import pytest

from services.records.domain.errors import EventConflictError, InvalidEventError
from services.records.domain.events import (
    MAX_BATCH_EVENTS,
    Origin,
    ReceivedEvent,
    StoredEvent,
    plan_batch,
)
from shared.bundle.case_chain import next_link
from shared.envelope import Envelope, encode_envelope

STORED_AT = datetime(2025, 4, 2, tzinfo=UTC)
MakeEnvelope = Callable[[str, int], Envelope]


def test_new_events_get_the_next_positions_and_continue_their_cases(
    make_envelope: MakeEnvelope,
) -> None:
    head = next_link(next_link(None, b"case-a 0"), b"case-a 1")
    batch = [ReceivedEvent(make_envelope("case-a", 2)), ReceivedEvent(make_envelope("case-b", 0))]

    plan = plan_batch(batch, known={}, heads={"case-a": head}, size=10, stored_at=STORED_AT)

    assert [(a.position, a.case_position, a.is_new) for a in plan.appended] == [
        (10, 2, True),
        (11, 0, True),
    ]
    a, b = plan.new_events
    assert a.prev_hash == head.leaf_hash
    assert a.chain_hash == next_link(head, a.leaf).chain_hash
    assert a.leaf == encode_envelope(batch[0].envelope)
    assert (a.stored_at, a.origin, b.case_id) == (STORED_AT, None, "case-b")


def test_known_events_and_repeats_keep_their_positions(
    rows: list[StoredEvent], make_envelope: MakeEnvelope
) -> None:
    stored = rows[4]
    again = ReceivedEvent(make_envelope("case-1", 1))  # same content, but a fresh event id
    known_envelope = make_envelope("case-1", 1).model_copy(
        update={"event_id": UUID(stored.event_id)}
    )
    batch = [ReceivedEvent(known_envelope), again, again]

    plan = plan_batch(batch, known={stored.event_id: stored}, heads={}, size=9, stored_at=STORED_AT)

    assert [(a.position, a.is_new) for a in plan.appended] == [(4, False), (9, True), (9, False)]
    assert len(plan.new_events) == 1


def test_an_event_id_with_other_content_refuses_the_batch(
    rows: list[StoredEvent], make_envelope: MakeEnvelope
) -> None:
    forged = make_envelope("case-1", 7).model_copy(update={"event_id": UUID(rows[4].event_id)})
    with pytest.raises(EventConflictError, match=rows[4].event_id):
        plan_batch(
            [ReceivedEvent(forged)],
            known={rows[4].event_id: rows[4]},
            heads={},
            size=9,
            stored_at=STORED_AT,
        )
    first = make_envelope("case-1", 0)
    second = first.model_copy(update={"payload": {"note": "other"}})
    with pytest.raises(EventConflictError):
        plan_batch(
            [ReceivedEvent(first), ReceivedEvent(second)],
            known={},
            heads={},
            size=0,
            stored_at=STORED_AT,
        )


def test_an_oversized_batch_is_refused(make_envelope: MakeEnvelope) -> None:
    batch = [ReceivedEvent(make_envelope("case-a", 0))] * (MAX_BATCH_EVENTS + 1)
    with pytest.raises(InvalidEventError, match="at most"):
        plan_batch(batch, known={}, heads={}, size=0, stored_at=STORED_AT)


@pytest.mark.parametrize(("topic", "partition", "offset"), [("", 0, 0), ("t", -1, 0), ("t", 0, -1)])
def test_an_origin_is_a_real_place_on_the_bus(topic: str, partition: int, offset: int) -> None:
    with pytest.raises(InvalidEventError):
        Origin(topic, partition, offset)
