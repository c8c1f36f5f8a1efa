"""The per-case hash chain: links, and the first break found whatever was done to the rows."""

import hashlib
from dataclasses import replace

from services.records.domain.events import StoredEvent, verify_chain
from shared.bundle.case_chain import ZERO_HASH, next_link
from shared.merkle.hashing import leaf_hash


def _case(rows: list[StoredEvent], case_id: str = "case-1") -> list[StoredEvent]:
    return [row for row in rows if row.case_id == case_id]


def test_the_first_event_of_a_case_links_to_zero_and_the_next_to_its_leaf_hash() -> None:
    first = next_link(None, b"first")
    second = next_link(first, b"second")

    assert (first.case_position, first.prev_hash) == (0, ZERO_HASH)
    assert first.chain_hash == hashlib.sha256(b"\x02" + ZERO_HASH + leaf_hash(b"first")).digest()
    assert (second.case_position, second.prev_hash) == (1, leaf_hash(b"first"))
    assert (
        second.chain_hash
        == hashlib.sha256(b"\x02" + first.chain_hash + leaf_hash(b"second")).digest()
    )


def test_planned_cases_verify_in_any_order(rows: list[StoredEvent]) -> None:
    for case_id in ("case-0", "case-1", "case-2"):
        assert verify_chain(reversed(_case(rows, case_id))) is None
    assert verify_chain([]) is None


def test_changed_bytes_break_the_chain_at_that_event(rows: list[StoredEvent]) -> None:
    case = _case(rows)
    case[1] = replace(case[1], leaf=case[1].leaf.replace(b'"note":"c', b'"note":"k'))

    broken = verify_chain(case)

    assert broken is not None
    assert (broken.event_id, broken.position) == (case[1].event_id, 4)
    assert "chain_hash" in broken.reason


def test_a_missing_event_breaks_the_chain_at_the_next_one(rows: list[StoredEvent]) -> None:
    case = _case(rows)
    broken = verify_chain([case[0], case[2]])
    assert broken is not None
    assert broken.event_id == case[2].event_id
    assert "missing" in broken.reason


def test_swapped_events_break_the_chain(rows: list[StoredEvent]) -> None:
    first, second, third = _case(rows)
    swapped = [first, replace(third, case_position=1), replace(second, case_position=2)]

    broken = verify_chain(swapped)

    assert broken is not None

    assert broken.event_id == third.event_id
    assert "prev_hash" in broken.reason


def test_a_rewritten_link_is_found(rows: list[StoredEvent]) -> None:
    first, second, third = _case(rows)
    forged = replace(first, prev_hash=leaf_hash(b"an invented predecessor"))
    broken = verify_chain([forged, second, third])
    assert broken is not None
    assert broken.event_id == first.event_id


def test_an_event_of_another_case_is_found(rows: list[StoredEvent]) -> None:
    first, second, _ = _case(rows)
    stranger = replace(_case(rows, "case-2")[2], case_position=2)
    broken = verify_chain([first, second, stranger])
    assert broken is not None
    assert "belongs to case case-2" in broken.reason
