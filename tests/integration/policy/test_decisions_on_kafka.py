"""Policy on Kafka and PostgreSQL: intake's encrypted consultations decided on the policy topic,
replayed to the same decision, dead-lettered when they cannot be evaluated."""

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.policy.bootstrap import bootstrap
from services.policy.entrypoints.http import create_app
from shared.auth.roles import Role
from shared.bus.delivery import DLQ_HEADER_ERROR
from shared.bus.policy import dlq_topic
from shared.crypto.codec import FieldCodec
from shared.envelope import Envelope
from shared.settings import SHIPPED_POLICY_FILE
from tests.integration.policy.conftest import REPO_ROOT, PolicyOnKafka, publish
from tests.integration.topic_reader import read_topic
from tests.unit.policy.intake_envelopes import COMPLAINT, THREAT, consultation, sealed


@contextlib.asynccontextmanager
async def policy_app(setup: PolicyOnKafka) -> AsyncIterator[AsyncClient]:
    """The policy service (API and consumer) in this process, on the test's topics."""
    app: FastAPI = create_app(setup.settings, topics=setup.topics)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://policy") as client,
    ):
        yield client


async def committed(setup: PolicyOnKafka, topic: str, count: int) -> list[Any]:
    """The committed records of `topic` once there are `count` (or after 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        records = await read_topic(setup.settings.kafka_bootstrap_servers, topic)
        if len(records) >= count or time.monotonic() > deadline:
            return records
        await asyncio.sleep(0.3)


async def decisions(setup: PolicyOnKafka, count: int) -> dict[str, Any]:
    """Decision envelopes (as JSON) by the event that caused them."""
    records = await committed(setup, setup.topics.decisions, count)
    found = [json.loads(record.value) for record in records]
    return {decision["causation_id"]: decision for decision in found}


async def test_a_threat_is_escalated_and_a_complaint_accepted(
    policy_on_kafka: PolicyOnKafka, intake_codec: FieldCodec
) -> None:
    setup = policy_on_kafka
    threat = await sealed(intake_codec, consultation(THREAT), case_id="c-1", subject_id="s-1")
    complaint = await sealed(intake_codec, consultation(), case_id="c-2", subject_id="s-2")
    async with policy_app(setup):
        await publish(setup.bootstrap, setup.topics.intake, [threat, complaint])
        decided = await decisions(setup, 2)

    assert set(decided) == {str(threat.event_id), str(complaint.event_id)}
    escalated = decided[str(threat.event_id)]
    assert (escalated["type"], escalated["subject_id"]) == ("policy.decided", "s-1")
    assert escalated["payload"]["outcome"] == "escalate"
    [cited] = [r for r in escalated["payload"]["reasons"] if r["category"] == "threat"]
    assert (cited["rule"], cited["article"]) == ("conduct", "art. 4")
    [evidence] = cited["evidence"]
    assert THREAT[evidence["start"] : evidence["end"]] == "殺すぞ"
    accepted = decided[str(complaint.event_id)]["payload"]
    assert accepted["outcome"] == "accept"
    rules = {reason["rule"] for reason in accepted["reasons"]}
    assert "legitimate-complaint" in rules
    assert "conduct" not in rules
    assert COMPLAINT not in json.dumps(decided, ensure_ascii=False)


async def test_replaying_a_recorded_case_gives_the_decision_made_and_names_the_version(
    policy_on_kafka: PolicyOnKafka, intake_codec: FieldCodec, tmp_path: Path
) -> None:
    setup = policy_on_kafka
    other_text = SHIPPED_POLICY_FILE.read_text(encoding="utf-8").replace(
        "minutes_after_final_answer = 30", "minutes_after_final_answer = 45"
    )
    (tmp_path / "other.toml").write_text(other_text, encoding="utf-8")
    other = bootstrap(setup.settings.model_copy(update={"policy_file": tmp_path / "other.toml"}))
    async with other.running():  # a service that once ran the other version
        await other.infrastructure.engine.dispose()
    threat = await sealed(intake_codec, consultation(THREAT), case_id="c-1", subject_id="s-1")
    legal = setup.bearer(Role.LEGAL)

    async with policy_app(setup) as client:
        await publish(setup.bootstrap, setup.topics.intake, [threat])
        made = (await decisions(setup, 1))[str(threat.event_id)]["payload"]
        events = [json.loads(threat.model_dump_json())]
        replays = [
            await client.post(
                "/v1/policy/replay",
                json={"policy_version": version, "events": events},
                headers=legal,
            )
            for version in (made["policy_version"], made["policy_version"], other.loaded.version)
        ]
        stored = await client.get(f"/v1/policy/versions/{other.loaded.version}", headers=legal)

    same, again, under_other = (response.json()["decision"] for response in replays)
    assert same == made
    assert again == made
    assert under_other["policy_version"] == other.loaded.version != made["policy_version"]
    assert {k: v for k, v in under_other.items() if k != "policy_version"} == {
        k: v for k, v in made.items() if k != "policy_version"
    }
    assert stored.json()["file_text"] == other_text
    assert stored.json()["current"] is False


async def test_what_cannot_be_evaluated_is_dead_lettered_with_the_reason(
    policy_on_kafka: PolicyOnKafka, intake_codec: FieldCodec
) -> None:
    setup = policy_on_kafka
    good = await sealed(intake_codec, consultation(), case_id="c-1", subject_id="s-1")
    newer = (
        await sealed(intake_codec, consultation(), case_id="c-2", subject_id="s-2")
    ).model_copy(update={"schema_version": 2})
    bodiless = await sealed(intake_codec, consultation(), case_id="c-3", subject_id="s-3")
    bodiless = bodiless.model_copy(
        update={"payload": {k: v for k, v in bodiless.payload.items() if k != "body"}}
    )

    async with policy_app(setup):
        await publish(setup.bootstrap, setup.topics.intake, [newer, bodiless, good])
        letters = await committed(setup, dlq_topic(setup.topics.intake), 2)
        decided = await decisions(setup, 1)

    assert set(decided) == {str(good.event_id)}, "nothing undecidable was accepted"
    reasons = {
        Envelope.model_validate_json(letter.value).case_id: dict(letter.headers)[
            DLQ_HEADER_ERROR
        ].decode()
        for letter in letters
    }
    # The body is gone from a class sealed with it (ciphertext v2, decision 0031): the class
    # is refused as a whole, naming the field, before the read model could miss it.
    assert reasons == {
        "c-2": "policy: consultation.received v2 is not declared (known: v1)",
        "c-3": "consultation.received v1: content does not decrypt:"
        " body: not a v2 ciphertext (a further field of its class)",
    }


def test_a_bad_policy_file_stops_the_service_naming_each_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        SHIPPED_POLICY_FILE.read_text(encoding="utf-8")
        .replace("warn_at = 1", "warn_at = 3")
        .replace('article = "art. 2"', 'article = ""'),
        encoding="utf-8",
    )
    environment = {**os.environ, "CASELOG_POLICY_FILE": str(broken), "CASELOG_BUS": "embedded"}

    started = subprocess.run(
        [sys.executable, "-m", "services", "policy"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert started.returncode != 0
    assert f"policy file {broken} cannot be used" in started.stderr
    assert "rules.channel.article: String should have at least 1 character" in started.stderr
    assert "rules.repeat: refuse_at must be greater than warn_at" in started.stderr
