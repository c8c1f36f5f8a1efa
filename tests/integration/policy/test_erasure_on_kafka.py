"""Policy on Kafka and PostgreSQL forgets an erased subject: `subject.erased` on the privacy
topic drops the subject's state rows; decisions, replay and late events keep working."""

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.policy.adapters.tables import erased_keys, processed_events, subject_states
from shared.auth.roles import Role
from shared.bus.topics import TopicSpec
from shared.crypto.codec import FieldCodec
from shared.database import engine_for_url
from tests.integration.policy.conftest import PARTITIONS, PolicyOnKafka, publish, publisher
from tests.integration.policy.test_decisions_on_kafka import decisions, policy_app
from tests.unit.policy.intake_envelopes import THREAT, consultation, sealed
from tests.unit.policy.privacy_envelopes import subject_erased


@pytest.fixture
async def policy_db(policy_on_kafka: PolicyOnKafka) -> AsyncIterator[AsyncEngine]:
    """Policy's own database, to look at its rows; and its privacy topic, created here."""
    async with publisher(policy_on_kafka.bootstrap) as bus:
        await bus.ensure_topics([TopicSpec(policy_on_kafka.topics.privacy, PARTITIONS)])
    engine = engine_for_url(policy_on_kafka.settings.database_url)
    yield engine
    await engine.dispose()


async def state_keys(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.execute(select(subject_states.c.subject_key))).scalars())


async def count(engine: AsyncEngine, column: object) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count(column)))).scalar_one())


async def states_become(engine: AsyncEngine, expected: set[str]) -> set[str]:
    """The state rows' keys once they are `expected` (or after 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        keys = await state_keys(engine)
        if keys == expected or time.monotonic() > deadline:
            return keys
        await asyncio.sleep(0.3)


async def test_an_erased_subjects_state_is_dropped_and_the_service_carries_on(
    policy_on_kafka: PolicyOnKafka, intake_codec: FieldCodec, policy_db: AsyncEngine
) -> None:
    setup = policy_on_kafka
    erased = await sealed(intake_codec, consultation(THREAT), case_id="c-1", subject_id="s-1")
    kept = await sealed(intake_codec, consultation(), case_id="c-2", subject_id="s-2")
    late = await sealed(intake_codec, consultation(), case_id="c-1", subject_id="s-1")
    legal = setup.bearer(Role.LEGAL)

    async with policy_app(setup) as client:
        await publish(setup.bootstrap, setup.topics.intake, [erased, kept])
        made = (await decisions(setup, 2))[str(erased.event_id)]["payload"]
        built = await states_become(policy_db, {"s-1", "s-2"})

        await publish(setup.bootstrap, setup.topics.privacy, [subject_erased("s-1", "c-1")])
        after_erasure = await states_become(policy_db, {"s-2"})

        await publish(setup.bootstrap, setup.topics.intake, [late])
        decided = await decisions(setup, 3)
        replayed = await client.post(
            "/v1/policy/replay",
            json={
                "policy_version": made["policy_version"],
                "events": [json.loads(erased.model_dump_json())],
            },
            headers=legal,
        )
        current = await client.get("/v1/policy", headers=legal)

    assert built == {"s-1", "s-2"}
    assert after_erasure == {"s-2"}, "the erased subject's state rows are gone"
    assert str(late.event_id) in decided, "a late event of the erased case is still decided"
    assert await state_keys(policy_db) == {"s-2"}, "and builds no state for the erased subject"
    assert await count(policy_db, processed_events.c.event_id) == 3  # exactly-once bookkeeping
    assert await count(policy_db, erased_keys.c.erased_key) == 2  # "s-1" and "case:c-1"
    assert replayed.status_code == 200
    assert replayed.json()["decision"] == made
    assert current.status_code == 200
