"""Consultations in group commits, through `bootstrap` on SQLite: concurrent ones share one
transaction; a bad one, a repeat of a recorded ticket or the same ticket twice in one group
changes nothing for the others; a crash of the group answers all of them and keeps nothing."""

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters.ledger import SqlLedger, cases
from services.intake.domain.consultation import Consultation
from services.intake.domain.errors import InvalidRequestError
from services.intake.service_layer.messages import Accepted, RecordConsultation
from services.intake.service_layer.ports import LedgerEntry
from shared.crypto.tables import crypto_tables
from tests.integration.intake.conftest import consultation
from tests.unit.intake.conftest import Running


def received(external_id: str, **changes: Any) -> RecordConsultation:
    return RecordConsultation(
        Consultation.model_validate(consultation(external_id, **changes)), "rest"
    )


async def all_of(running: Running, commands: Sequence[RecordConsultation]) -> list[Any]:
    """Every command handled at once (so they meet in one group); answers or errors."""
    return await asyncio.gather(
        *(running.intake.handle(command) for command in commands), return_exceptions=True
    )


def counting_commits(engine: AsyncEngine) -> list[object]:
    commits: list[object] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    return commits


async def stored(running: Running) -> tuple[set[str], set[str]]:
    """The case ids the ledger opened and those the key store holds a data key for."""
    async with running.intake.stores.ledger_engine.connect() as connection:
        opened = set((await connection.scalars(select(cases.c.case_id))).all())
    async with running.intake.personal.engine.connect() as connection:
        data_keys = crypto_tables().data_keys
        keyed = set((await connection.scalars(select(data_keys.c.case_id))).all())
    return opened, keyed


async def test_concurrent_consultations_share_one_transaction(running: Running) -> None:
    await running.intake.handle(received("warm-up"))  # the key epoch opens on first use
    groups = running.intake.dependencies.openings.stats
    commits_before = groups.commits
    ledger_commits = counting_commits(running.intake.stores.ledger_engine)
    key_store_commits = counting_commits(running.intake.personal.engine)
    case_inserts: list[str] = []
    event.listen(
        running.intake.stores.ledger_engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cu, statement, *_: (
            case_inserts.append(statement)
            if statement.startswith("INSERT INTO intake_cases")
            else None
        ),
    )

    answers = await all_of(running, [received(f"T-{n}") for n in range(10)])

    assert all(isinstance(answer, Accepted) and not answer.duplicate for answer in answers)
    assert len({answer.case_id for answer in answers}) == 10
    assert groups.commits - commits_before == 1, "one group"
    assert len(key_store_commits) == 1, "one key-store transaction for the ten cases"
    assert len(case_inserts) == 1, "the group's cases in one INSERT"
    # The ledger's one group commit, then the relay's marks of what it published.
    assert 1 <= len(ledger_commits) < 10
    assert len(running.published()) == 11
    opened, keyed = await stored(running)
    assert {answer.case_id for answer in answers} <= opened == keyed


async def test_a_bad_consultation_in_a_group_fails_alone(running: Running) -> None:
    bad = received("T-bad", customer={"name": "山田 花子", "phone": "12"})
    commands = [received("T-1"), received("T-2"), bad, received("T-3"), received("T-4")]

    answers = await all_of(running, commands)

    assert isinstance(answers[2], InvalidRequestError)
    assert answers[2].field == "customer.phone"
    good = [answer for at, answer in enumerate(answers) if at != 2]
    assert all(isinstance(answer, Accepted) and not answer.duplicate for answer in good)
    assert running.intake.dependencies.openings.stats.retries >= 1, "the group ran again"
    opened, keyed = await stored(running)
    assert opened == keyed == {answer.case_id for answer in good}
    assert len(running.published()) == 4


async def test_a_repeat_of_a_recorded_ticket_leaves_the_group_and_its_key(
    running: Running,
) -> None:
    first = await running.intake.handle(received("T-1"))

    answers = await all_of(running, [received("T-2"), received("T-1"), received("T-3")])

    assert answers[1] == Accepted(first.case_id, first.event_id, duplicate=True)
    assert not answers[0].duplicate
    assert not answers[2].duplicate
    opened, keyed = await stored(running)
    assert opened == keyed == {first.case_id, answers[0].case_id, answers[2].case_id}


async def test_the_same_ticket_twice_in_a_group_is_recorded_once(running: Running) -> None:
    commands = [received("T-same"), received("T-1"), received("T-same"), received("T-same")]

    answers = await all_of(running, commands)

    same = [answers[0], answers[2], answers[3]]
    assert len({(answer.case_id, answer.event_id) for answer in same}) == 1
    assert [answer.duplicate for answer in same] == [False, True, True]
    opened, keyed = await stored(running)
    assert opened == keyed == {answers[0].case_id, answers[1].case_id}
    assert len(running.published()) == 2


async def test_a_crash_mid_commit_answers_the_whole_group_and_keeps_nothing(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = SqlLedger.record_many

    async def crashing(
        ledger: SqlLedger, entries: Sequence[LedgerEntry]
    ) -> list[Accepted | Exception]:
        await written(ledger, entries)  # the rows are in the transaction, then it fails
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SqlLedger, "record_many", crashing)

    answers = await all_of(running, [received(f"T-{n}") for n in range(5)])

    assert all(isinstance(answer, RuntimeError) for answer in answers)
    assert await stored(running) == (set(), set())
    assert running.published() == []
    async with running.intake.stores.ledger_engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(cases)) == 0
