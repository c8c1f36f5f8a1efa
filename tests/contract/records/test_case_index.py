"""The case index behind search, on SQLite and PostgreSQL: it finds cases by ticket, rule,
outcome, state and opening date, pages and sorts them, keeps up with events appended after
it last looked, and two processes catching up at once never fold an event twice."""

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.case_index import CaseQuery, SqlCaseIndex
from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.tables import RecordsTables
from services.records.domain.case_view import CaseView, Decision
from shared.envelope import Envelope
from tests.contract.records.sample_events import START, received


def event(case_id: str, kind: str, minute: int, **payload: Any) -> Envelope:
    return Envelope(
        type=kind,
        schema_version=1,
        case_id=case_id,
        subject_id=f"subject-{case_id}",
        occurred_at=START + timedelta(days=minute // 100, minutes=minute),
        producer=kind.split(".")[0],
        correlation_id=f"corr-{case_id}",
        payload=payload,
    )


def opened(case_id: str, ticket: str, minute: int, channel: str = "email") -> Envelope:
    source = {"platform": "zendesk", "external_id": ticket}
    return event(case_id, "consultation.received", minute, source=source, channel=channel)


def decided(case_id: str, minute: int, outcome: str, *rules: str) -> Envelope:
    reasons = [{"rule": rule} for rule in rules]
    return event(case_id, "policy.decided", minute, outcome=outcome, reasons=reasons)


async def append(store: SqlEventStore, *envelopes: Envelope) -> None:
    await store.append_batch([received(item, offset) for offset, item in enumerate(envelopes)])


async def test_cases_are_found_by_ticket_rule_outcome_state_and_date(
    store: SqlEventStore, log_engine: AsyncEngine, log_tables: RecordsTables
) -> None:
    await append(
        store,
        opened("case-a", "T-100", 0),
        opened("case-b", "T-200", 100, channel="phone"),
        opened("case-c", "T-300", 200),
        decided("case-a", 1, "accept", "legitimate-complaint"),
        decided("case-b", 101, "escalate", "conduct", "damages"),
        event("case-b", "hold.placed", 102, hold_id="h-1", matter="LIT-1"),
        event("case-c", "closure.decided", 201, outcome="accept", reasons=[]),
    )
    index = SqlCaseIndex(log_engine, log_tables)

    async def ids(**query: Any) -> list[str]:
        _total, found = await index.search(CaseQuery(**query))
        return [case.case_id for case in found]

    total, (found,) = await index.search(CaseQuery(ticket="T-200"))
    assert total == 1
    assert (found.case_id, found.platform, found.channel) == ("case-b", "zendesk", "phone")
    assert (found.outcome, found.rules, found.held) == ("escalate", ("conduct", "damages"), True)
    assert await ids(rule="damages") == ["case-b"]
    assert await ids(rule="dam") == []  # a whole rule name, not a fragment
    assert await ids(outcome="accept") == ["case-c", "case-a"]  # newest first by default
    assert await ids(state="held") == ["case-b"]
    assert await ids(state="closed") == ["case-c"]
    assert await ids(state="decided", channel="email") == ["case-a"]
    assert await ids(
        opened_from=START + timedelta(days=1), opened_to=START + timedelta(days=2)
    ) == ["case-b"]
    assert await ids(sort="ticket", limit=2) == ["case-a", "case-b"]
    assert await ids(sort="ticket", offset=2, limit=2) == ["case-c"]
    assert await ids(case_id="case-a", ticket="T-200") == []


async def test_views_inserted_in_bulk_are_found_beside_the_cases_folded_from_the_log(
    store: SqlEventStore, log_engine: AsyncEngine, log_tables: RecordsTables
) -> None:
    await append(store, opened("case-a", "T-100", 0))
    index = SqlCaseIndex(log_engine, log_tables)
    refused = Decision("e-1", "policy.decided", "refuse", ("conduct",), None, START)
    await index.insert_views(
        [
            CaseView(f"bulk-{n}", "decided", ticket=f"B-{n}", opened_at=START + timedelta(days=n))
            for n in (1, 2)
        ]
        + [
            CaseView(
                "bulk-3",
                "decided",
                ticket="B-3",
                decisions=[refused],
                opened_at=START - timedelta(days=1),
            )
        ]
    )
    await append(store, decided("case-a", 1, "accept", "legitimate-complaint"))

    total, found = await index.search(CaseQuery())
    assert total == 4
    assert [case.case_id for case in found] == ["bulk-2", "bulk-1", "case-a", "bulk-3"]
    assert found[2].outcome == "accept"  # the log's case still folds after the bulk insert
    _total, (bulk,) = await index.search(CaseQuery(rule="conduct"))
    assert (bulk.case_id, bulk.outcome, bulk.ticket) == ("bulk-3", "refuse", "B-3")


async def test_the_index_keeps_up_with_events_appended_later(
    store: SqlEventStore, log_engine: AsyncEngine, log_tables: RecordsTables
) -> None:
    await append(store, opened("case-a", "T-1", 0), decided("case-a", 1, "accept", "channel"))
    index = SqlCaseIndex(log_engine, log_tables)
    assert [c.outcome for c in (await index.search(CaseQuery(ticket="T-1")))[1]] == ["accept"]

    await append(
        store,
        decided("case-a", 2, "refuse", "repeat"),
        event("case-a", "hold.placed", 3, hold_id="h-9"),
        event("case-a", "hold.released", 4, hold_id="h-9"),
        event("case-a", "subject.erased", 5),
    )

    _total, (case,) = await index.search(CaseQuery(ticket="T-1"))
    assert (case.outcome, case.rules, case.held, case.erased) == (
        "refuse",
        ("repeat",),
        False,
        True,
    )
    assert case.events == 6


async def test_two_processes_catching_up_at_once_fold_each_event_once(
    store: SqlEventStore, log_engine: AsyncEngine, log_tables: RecordsTables
) -> None:
    await append(store, *(opened(f"case-{n}", f"T-{n}", n) for n in range(40)))
    await append(store, *(decided(f"case-{n}", 100 + n, "accept", "channel") for n in range(40)))
    first, second = SqlCaseIndex(log_engine, log_tables), SqlCaseIndex(log_engine, log_tables)

    await asyncio.gather(first.catch_up(), second.catch_up())

    total, found = await first.search(CaseQuery(limit=100))
    assert total == 40
    assert {case.events for case in found} == {2}
