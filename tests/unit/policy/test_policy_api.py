"""Policy's REST API and consumer on the embedded bus and SQLite: roles, the policy in force,
its past versions, evaluate without side effects, replay, and a decision end to end."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.policy.bootstrap import PolicyService
from services.policy.domain import Policy
from services.policy.entrypoints.http import create_app
from services.policy.service_layer.ports import LoadedPolicy
from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.bus.messages import ConsumedMessage
from shared.bus.runner import consuming
from shared.contracts.policy import Action
from shared.envelope import Envelope, decode_envelope
from shared.settings import SHIPPED_POLICY_FILE, load_settings
from shared.web.limits import DEFAULT_MAX_BODY_BYTES
from tests.unit.policy.intake_envelopes import THREAT, consultation, sealed
from tests.unit.policy.test_articles import without_articles

TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"
NO_SUCH_VERSION = "0" * 64


@dataclass
class Running:
    client: AsyncClient
    service: PolicyService
    issuer: DevelopmentIssuer

    def as_(self, *roles: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.token('tester', list(roles), 'caselog')}"}

    async def sealed_threat(self) -> Envelope:
        codec = self.service.personal.codec
        return await sealed(codec, consultation(THREAT), case_id="case-1", subject_id="subj-1")


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    issuer = development_issuer(tmp_path / "auth")
    (tmp_path / "jwks.json").write_text(json.dumps(issuer.jwks()))
    settings = load_settings(
        service_name="policy",
        bus="embedded",
        embedded_bus_path=tmp_path / "bus.sqlite3",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}",
        topics_file=TOPICS_FILE,
        auth_jwks_file=tmp_path / "jwks.json",
    )
    app: FastAPI = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://policy") as client,
    ):
        yield Running(client, app.state.policy, issuer)


async def test_reads_need_a_token_and_a_reading_role(running: Running) -> None:
    anonymous = await running.client.get("/v1/policy")
    platform = await running.client.get("/v1/policy", headers=running.as_(Role.PLATFORM))
    allowed = [
        await running.client.get("/v1/policy", headers=running.as_(role))
        for role in (Role.AGENT, Role.SUPERVISOR, Role.LEGAL, Role.ADMIN)
    ]

    assert (anonymous.status_code, platform.status_code) == (401, 403)
    assert [response.status_code for response in allowed] == [200] * 4


async def test_the_policy_in_force_shows_version_rules_and_thresholds(
    running: Running, policy: Policy
) -> None:
    body = (await running.client.get("/v1/policy", headers=running.as_(Role.AGENT))).json()

    assert body["version"] == policy.version
    assert body["rules"]["repeat"]["warn_at"] == 1
    assert body["rules"]["time-restraint"]["minutes_after_final_answer"] == 30


async def test_a_version_run_here_is_retrievable_by_its_hash(
    running: Running, policy: Policy
) -> None:
    headers = running.as_(Role.LEGAL)
    found = await running.client.get(f"/v1/policy/versions/{policy.version}", headers=headers)
    unknown = await running.client.get(f"/v1/policy/versions/{NO_SUCH_VERSION}", headers=headers)
    malformed = await running.client.get("/v1/policy/versions/abc", headers=headers)

    assert found.status_code == 200
    assert found.json()["file_text"] == SHIPPED_POLICY_FILE.read_text(encoding="utf-8")
    assert found.json()["current"] is True
    assert (unknown.status_code, malformed.status_code) == (404, 422)


async def test_the_policy_serves_its_articles_and_instructions_in_both_languages(
    running: Running,
) -> None:
    body = (await running.client.get("/v1/policy", headers=running.as_(Role.AGENT))).json()

    assert body["articles"]["art. 4"]["title"] == {
        "en": "Consultations refused",
        "ja": "お断りするご相談",
    }
    assert body["articles"]["art. 10"]["summary"]["ja"].startswith("実際の欠陥")
    assert set(body["instructions"]) == {action.value for action in Action}


async def test_replay_under_a_version_stated_without_articles_decides_as_it_did(
    running: Running, policy_text: str
) -> None:
    older = without_articles(policy_text)
    await running.service.versions.remember(LoadedPolicy(older, policy_text))
    event = json.loads((await running.sealed_threat()).model_dump_json())
    headers = running.as_(Role.LEGAL)

    replays = [
        await running.client.post(
            "/v1/policy/replay",
            json={"policy_version": version, "events": [event]},
            headers=headers,
        )
        for version in (older.version, running.service.loaded.version)
    ]

    then, now = (replay.json()["decision"] for replay in replays)
    assert then["policy_version"] == older.version
    assert "instructions" not in then
    assert all(set(r) >= {"rule", "note"} and "note_ja" not in r for r in then["reasons"])
    assert "article_titles" not in json.dumps(then)
    assert now["reasons"][0]["article_titles"][0]["article"] == now["reasons"][0]["article"]
    assert [r["note"] for r in now["reasons"]] == [r["note"] for r in then["reasons"]]


def evaluation(body: str, **extra: Any) -> dict[str, Any]:
    facts = {
        "channel": "phone",
        "received_at": "2026-11-02T10:15:00+09:00",
        "relationship": "purchaser",
        "has_name": True,
        "has_email_or_phone": True,
        "body": body,
    }
    return {"consultation": facts | extra}


async def test_evaluate_decides_without_publishing_anything(running: Running) -> None:
    headers = running.as_(Role.AGENT)
    threat = await running.client.post(
        "/v1/policy/evaluate", json=evaluation(THREAT), headers=headers
    )
    identity = await running.client.post(
        "/v1/policy/evaluate", json=evaluation("x", email="taro@example.jp"), headers=headers
    )
    old = await running.client.post(
        "/v1/policy/evaluate",
        json=evaluation("x") | {"policy_version": NO_SUCH_VERSION},
        headers=headers,
    )

    assert threat.status_code == 200
    assert threat.json()["outcome"] == "escalate"
    assert identity.status_code == 422
    assert identity.json()["field"] == "consultation.email"
    assert "taro@example.jp" not in identity.text
    assert old.status_code == 404
    assert await decisions_on_bus(running, expected=0) == []


async def test_replay_decides_recorded_events_under_a_named_version(
    running: Running, policy: Policy
) -> None:
    headers = running.as_(Role.LEGAL)
    event = json.loads((await running.sealed_threat()).model_dump_json())

    replayed = await running.client.post(
        "/v1/policy/replay",
        json={"policy_version": policy.version, "events": [event]},
        headers=headers,
    )
    unknown = await running.client.post(
        "/v1/policy/replay",
        json={"policy_version": NO_SUCH_VERSION, "events": [event]},
        headers=headers,
    )
    garbage = await running.client.post(
        "/v1/policy/replay",
        json={"policy_version": policy.version, "events": [{"x": 1}]},
        headers=headers,
    )

    assert replayed.status_code == 200
    assert replayed.json()["decision"]["outcome"] == "escalate"
    assert replayed.json()["decisions"][0]["event_id"] == event["event_id"]
    assert unknown.status_code == 404
    assert garbage.status_code == 422
    assert garbage.json()["field"] == "events[0]"


async def test_a_replay_larger_than_the_shared_body_limit_is_read(
    running: Running, policy: Policy
) -> None:
    """A long case's history is more than the 256 KiB other routes read (CI's fuzzer)."""
    event = json.loads((await running.sealed_threat()).model_dump_json())
    events = [event] * 400
    assert len(json.dumps(events)) > DEFAULT_MAX_BODY_BYTES

    replayed = await running.client.post(
        "/v1/policy/replay",
        json={"policy_version": policy.version, "events": events},
        headers=running.as_(Role.LEGAL),
    )

    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["decision"]["outcome"] == "escalate"


async def test_a_consultation_on_the_bus_is_decided_on_the_policy_topic(running: Running) -> None:
    event = await running.sealed_threat()
    await running.service.infrastructure.bus.publish(envelope_message("caselog.intake", event))

    [decided] = await decisions_on_bus(running, expected=1)

    assert decided.causation_id == str(event.event_id)
    assert decided.payload["outcome"] == "escalate"


async def decisions_on_bus(running: Running, expected: int) -> list[Envelope]:
    """What is on caselog.policy once `expected` decisions arrived; for none, after a pause
    long enough for a stray decision to show up."""
    seen: list[Envelope] = []

    async def collect(message: ConsumedMessage) -> None:
        seen.append(decode_envelope(message.value))

    bus = running.service.infrastructure.bus
    patience_s = 5.0 if expected else 0.5
    async with consuming(bus.subscribe("policy-api-test", ["caselog.policy"], collect)):
        while patience_s > 0 and not (expected and len(seen) >= expected):
            await asyncio.sleep(0.05)
            patience_s -= 0.05
    return seen


async def test_the_api_is_described_in_openapi(running: Running) -> None:
    schema = (await running.client.get("/openapi.json")).json()

    assert {"/v1/policy", "/v1/policy/versions/{version}", "/v1/policy/evaluate"} <= set(
        schema["paths"]
    )
    assert "/v1/policy/replay" in schema["paths"]
    assert "404" in schema["paths"]["/v1/policy/replay"]["post"]["responses"]


async def test_an_evaluation_at_the_limits_of_times_and_durations_is_a_clear_422_or_answered(
    running: Running,
) -> None:
    # Found by schemathesis: a call of 2**56 seconds in the year 48 answered 500.
    consultation = {
        "channel": "phone",
        "has_name": True,
        "has_email_or_phone": True,
        "received_at": "0048-02-11T04:21:31.2649Z",
        "call": {"has_recording_digest": False, "duration_seconds": 72057594037927935},
        "subject": "x",
    }
    headers = running.as_(Role.LEGAL)
    too_long = await running.client.post(
        "/v1/policy/evaluate", json={"consultation": consultation}, headers=headers
    )
    early = {
        **consultation,
        "call": {"duration_seconds": 60},
        "received_at": "0001-01-01T00:00:00Z",
    }
    at_the_start = await running.client.post(
        "/v1/policy/evaluate", json={"consultation": early}, headers=headers
    )

    assert too_long.status_code == 422, too_long.text
    assert at_the_start.status_code in {200, 422}, at_the_start.text


def closure_facts(**changes: Any) -> dict[str, Any]:
    facts = {
        "reason": "satisfied",
        "requested_at": "2026-11-02T11:00:00+09:00",
        "has_content": True,
        "has_times": True,
        "has_customer": True,
        "has_channel": True,
        "has_handler": True,
    }
    return {"closure": facts | changes}


async def test_a_close_request_is_evaluated_without_publishing_anything(running: Running) -> None:
    headers = running.as_(Role.SUPERVISOR)
    complete = await running.client.post(
        "/v1/policy/evaluate/closure", json=closure_facts(), headers=headers
    )
    no_handler = await running.client.post(
        "/v1/policy/evaluate/closure", json=closure_facts(has_handler=False), headers=headers
    )
    platform = await running.client.post(
        "/v1/policy/evaluate/closure", json=closure_facts(), headers=running.as_(Role.PLATFORM)
    )

    assert complete.status_code == 200, complete.text
    assert complete.json()["outcome"] == "accept"
    refused = no_handler.json()
    assert refused["outcome"] != "accept"
    [reason] = [r for r in refused["reasons"] if r["rule"] == "record-completeness"]
    assert "handler" in json.dumps(reason["evidence"])
    assert platform.status_code == 403
    assert await decisions_on_bus(running, expected=0) == []


async def test_a_dry_run_takes_intakes_payload_as_it_is_and_counts_identity_only(
    running: Running,
) -> None:
    headers = running.as_(Role.AGENT)
    threat = consultation(THREAT).model_dump(mode="json", exclude_none=True)
    anonymous = consultation().model_dump(mode="json", exclude_none=True)
    anonymous["customer"] = {"relationship": "purchaser"}
    malformed = threat | {"customer": threat["customer"] | {"email": "hanako.yamada@"}}

    decided = await running.client.post(
        "/v1/policy/evaluate/consultation", json=threat, headers=headers
    )
    refused = await running.client.post(
        "/v1/policy/evaluate/consultation", json=anonymous, headers=headers
    )
    bad = await running.client.post(
        "/v1/policy/evaluate/consultation", json=malformed, headers=headers
    )

    assert decided.status_code == 200, decided.text
    assert decided.json()["outcome"] == "escalate"
    assert "hanako" not in decided.text
    assert "山田" not in decided.text
    assert refused.status_code == 200, refused.text
    assert refused.json()["outcome"] == "refuse"
    assert any(r["article"] == "art. 3" for r in refused.json()["reasons"])
    assert bad.status_code == 422
    assert bad.json()["field"] == "customer.email"
    assert "hanako.yamada@" not in bad.text
    assert await decisions_on_bus(running, expected=0) == []


@pytest.mark.parametrize("number", [-289050, 1.5, "1700000000"])
async def test_a_time_sent_as_a_number_is_refused_not_read_as_epoch_seconds(
    running: Running, number: object
) -> None:
    """CI's fuzzer: pydantic's lax mode read `final_answer_given_at: -289050` as 1969."""
    body = consultation(THREAT).model_dump(mode="json", exclude_none=True)
    body["call"] = {"duration_seconds": 60, "final_answer_given_at": number}

    answered = await running.client.post(
        "/v1/policy/evaluate/consultation", json=body, headers=running.as_(Role.AGENT)
    )

    assert answered.status_code == 422, answered.text
    assert answered.json()["field"] == "call.final_answer_given_at"


def as_served(event: Envelope, *, producer: str | None = None) -> dict[str, Any]:
    """An event as records' `GET /v1/cases/{case_id}/timeline` serves it."""
    recorded = json.loads(event.model_dump_json())
    served = {k: recorded[k] for k in ("event_id", "type", "schema_version", "occurred_at")}
    return served | {
        "recorded_at": recorded["recorded_at"],
        "stored_at": recorded["recorded_at"],
        "producer": producer or recorded["producer"],
        "payload": recorded["payload"],
        "position": 7,
        "case_position": 0,
        "revealed_fields": [],
        "unreadable": False,
    }


async def test_replay_takes_a_records_timeline_as_served(running: Running, policy: Policy) -> None:
    headers = running.as_(Role.LEGAL)
    event = await running.sealed_threat()
    decision = event.follow_up(
        event_type="decision.made", schema_version=1, producer="policy", payload={"x": 1}
    )
    timeline = {
        "case_id": event.case_id,
        "as_of": None,
        "valid_at": None,
        "revealed": False,
        "access_event_id": None,
        "key_destroyed": False,
        "events": [as_served(event), as_served(decision)],
    }

    replayed = await running.client.post(
        "/v1/policy/replay",
        json={"policy_version": policy.version, "timeline": timeline},
        headers=headers,
    )
    revealed = await running.client.post(
        "/v1/policy/replay",
        json={"policy_version": policy.version, "timeline": timeline | {"revealed": True}},
        headers=headers,
    )
    neither = await running.client.post(
        "/v1/policy/replay", json={"policy_version": policy.version}, headers=headers
    )

    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["decision"]["outcome"] == "escalate"
    assert [d["event_id"] for d in replayed.json()["decisions"]] == [str(event.event_id)]
    assert (revealed.status_code, revealed.json()["field"]) == (422, "timeline.revealed")
    assert neither.status_code == 422
