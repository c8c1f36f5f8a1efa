"""Exactly once under SIGKILL: the policy consumer, a process of its own, is killed again and
again while 1,000 consultations (and follow-ups) flow; then a read_committed reader sees one
decision per decidable event, and the subject states count every event once."""

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from services.policy.adapters.decision_store import SqlDecisionStore
from services.policy.adapters.tables import processed_events
from services.policy.service_layer.unit_of_work import PolicyUnitOfWork
from shared.bus.envelopes import envelope_message
from shared.crypto.codec import FieldCodec
from shared.database import engine_for_url
from tests.integration.policy.conftest import PolicyOnKafka, publisher
from tests.integration.policy.crash_flow import CASES_PER_SUBJECT, Flow, log_file, start_policy
from tests.integration.topic_reader import read_topic

KILLS = 4


async def test_sigkill_again_and_again_leaves_one_decision_per_event(
    policy_on_kafka: PolicyOnKafka, intake_codec: FieldCodec, tmp_path: Path
) -> None:
    setup, seed = policy_on_kafka, random.randrange(1 << 30)
    chance, flow = random.Random(seed), Flow()
    log = log_file(tmp_path)
    print(f"policy process log: {log.name}; seed {seed}")
    process = start_policy(setup, log)
    engine = engine_for_url(setup.settings.database_url)

    async def processed() -> int:
        try:
            async with engine.connect() as connection:
                query = select(func.count()).select_from(processed_events)
                return int(await connection.scalar(query) or 0)
        except DBAPIError:
            return 0  # the first process has not created its tables yet

    async def flowing() -> None:
        async with publisher(setup.bootstrap) as bus:
            async for batch in flow.stream(intake_codec, setup.topics.group.split(".")[0]):
                for envelope in batch:
                    await bus.publish(envelope_message(setup.topics.intake, envelope))

    async def decisions() -> list[Any]:
        records = await read_topic(setup.bootstrap, setup.topics.decisions)
        return [json.loads(record.value) for record in records]

    publishing = asyncio.create_task(flowing())
    try:
        for kill in range(KILLS):
            floor = await processed() + chance.randint(20, 150)
            await until(processed, floor, f"progress before kill {kill}")
            await asyncio.sleep(chance.uniform(0, 0.3))
            process.kill()  # SIGKILL: no clean-up, no commit, an open transaction left behind
            process.wait(timeout=10)
            process = start_policy(setup, log)
        await publishing
        await until(processed, len(flow.events), "every event processed")
        # Reading the whole topic is costly: only now, when every decision should be there.
        await until(lambda: _count(decisions), len(flow.decidable), "every decision", poll_s=0.5)
        await asyncio.sleep(1.0)  # room for a duplicate to show up
        decided = await decisions()
    finally:
        publishing.cancel()
        process.terminate()
        process.wait(timeout=30)
        log.close()

    assert sum(e.type == "consultation.received" for e in flow.events) == 1000
    counts = Counter(decision["causation_id"] for decision in decided)
    assert set(counts) == flow.decidable, f"seed {seed}"
    assert counts.most_common(1)[0][1] == 1, f"seed {seed}: {counts.most_common(3)}"
    for decision in decided:
        if (number := flow.repeats.get(decision["causation_id"])) is not None:
            assert _fact(decision, "repeat_number") == str(number), f"seed {seed}"
    assert await processed() == len(flow.events)
    for subject_id in {str(e.subject_id) for e in flow.events}:
        async with PolicyUnitOfWork(engine, SqlDecisionStore) as work:
            state = (await work.decisions.state(subject_id)).state
        assert len(state.cases) == CASES_PER_SUBJECT
        for case_id, case in state.cases.items():
            followed = case_id in flow.followed_cases
            assert (len(case.contacts), case.repeats, len(case.decisions)) == (
                (3, 2, 3) if followed else (1, 0, 1)
            ), f"seed {seed}: {case_id}"
    await engine.dispose()


async def until(
    count: Callable[[], Awaitable[int]],
    floor: int,
    what: str,
    timeout_s: float = 90,
    poll_s: float = 0.1,
) -> None:
    deadline = time.monotonic() + timeout_s
    while await count() < floor:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(poll_s)


async def _count(source: Callable[[], Awaitable[list[Any]]]) -> int:
    return len(await source())


def _fact(decision: Any, name: str) -> str | None:
    facts = [
        evidence["value"]
        for reason in decision["payload"]["reasons"]
        for evidence in reason["evidence"]
        if evidence.get("fact") == name
    ]
    return facts[0] if facts else None
