"""Bitemporal replay on real Kafka and PostgreSQL: a phone note that happened at 10:00 but was
written up at 15:00 is absent as recorded at 13:00, present as happened by 11:00 once known."""

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.auth.roles import Role
from shared.envelope import Envelope
from tests.integration.records.cases import consultation, contact, decision, envelope, new_case
from tests.integration.records.conftest import RunningRecords


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 11, 4, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
async def late_case(running: RunningRecords) -> tuple[str, dict[str, Envelope]]:
    """09:00 consultation, 09:02 decision, 12:00 e-mail, 16:00 close request, 16:01 accepted;
    the 10:00 phone note is recorded at 15:00 and reaches the log last."""
    case = new_case()
    codec = running.records.personal.codec
    events = {
        "opened": await consultation(codec, case, at(9), at(9, 1)),
        "decided": decision(
            case, "policy.decided", "accept", ["legitimate-complaint"], at(9, 2), at(9, 2)
        ),
        "e-mail": await contact(codec, case, "メールで連絡しました", at(12), at(12)),
        "close": _closure(case, at(16)),
        "closed": decision(
            case, "closure.decided", "accept", ["termination"], at(16, 1), at(16, 1)
        ),
        "phone note": await contact(codec, case, "10時に電話あり", at(10), at(15)),
    }
    on_time = [events[name] for name in ("opened", "e-mail", "close")]
    await running.publish("caselog.intake", *on_time)
    await running.publish("caselog.policy", events["decided"], events["closed"])
    await running.wait_stored(*on_time, events["decided"], events["closed"])
    await running.publish("caselog.intake", events["phone note"])
    await running.wait_stored(events["phone note"])
    return case[0], events


def _closure(case: tuple[str, str], when: datetime) -> Envelope:
    payload: dict[str, Any] = {"reason": "satisfied", "requested_at": when.isoformat()}
    return envelope("closure.requested", case, payload, when, when)


async def _timeline(running: RunningRecords, case_id: str, **times: datetime) -> list[str]:
    params = {name: moment.isoformat() for name, moment in times.items()}
    response = await running.get(f"/v1/cases/{case_id}/timeline", Role.LEGAL, **params)
    assert response.status_code == 200, response.text
    return [event["event_id"] for event in response.json()["events"]]


def _ids(events: dict[str, Envelope], *names: str) -> list[str]:
    return [str(events[name].event_id) for name in names]


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ({}, ["opened", "decided", "phone note", "e-mail", "close", "closed"]),
        ({"as_of": at(13)}, ["opened", "decided", "e-mail"]),
        ({"valid_at": at(11)}, ["opened", "decided", "phone note"]),
        ({"as_of": at(13), "valid_at": at(11)}, ["opened", "decided"]),
        ({"as_of": at(15), "valid_at": at(11)}, ["opened", "decided", "phone note"]),
        ({"as_of": at(8)}, []),
    ],
)
async def test_as_of_and_valid_at_give_their_own_answers(
    running: RunningRecords,
    late_case: tuple[str, dict[str, Envelope]],
    times: dict[str, datetime],
    expected: list[str],
) -> None:
    case_id, events = late_case
    assert await _timeline(running, case_id, **times) == _ids(events, *expected)


async def test_the_late_note_is_last_in_the_log_but_in_its_place_in_time(
    running: RunningRecords, late_case: tuple[str, dict[str, Envelope]]
) -> None:
    case_id, events = late_case
    stored = await running.records.store.case_events(case_id)

    assert stored[-1].event_id == str(events["phone note"].event_id)
    assert stored[-1].case_position == 5


@pytest.mark.parametrize(
    ("times", "status", "contacts"),
    [
        ({}, "closed", 2),
        ({"as_of": at(13)}, "decided", 1),  # the e-mail only: the note was not yet written up
        ({"valid_at": at(11)}, "decided", 1),  # the phone note only: it had happened by then
        ({"as_of": at(13), "valid_at": at(11)}, "decided", 0),
        ({"valid_at": at(16, 0)}, "decided", 2),  # close requested, not yet decided
    ],
)
async def test_the_read_model_as_it_stood(
    running: RunningRecords,
    late_case: tuple[str, dict[str, Envelope]],
    times: dict[str, datetime],
    status: str,
    contacts: int,
) -> None:
    case_id, _ = late_case
    params = {name: moment.isoformat() for name, moment in times.items()}

    view = (await running.get(f"/v1/cases/{case_id}", Role.AGENT, **params)).json()

    assert (view["status"], view["contacts"]) == (status, contacts)


async def test_times_without_a_zone_are_refused(
    running: RunningRecords, late_case: tuple[str, dict[str, Envelope]]
) -> None:
    response = await running.get(
        f"/v1/cases/{late_case[0]}/timeline", Role.LEGAL, as_of="2025-11-04T13:00:00"
    )

    assert response.status_code == 422
    assert response.json()["field"] == "query.as_of"
