"""Issue 16 through intake on Kafka: a subject's history spans their tickets, every follow-up
is decided (a new demand in one judged), and an agent's fact check re-decides its case. Intake
and policy run in this process on the test's own topics, sharing the key store as a deployment
does; decisions are read from the policy topic as any subscriber would (read_committed)."""

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.intake.entrypoints.http import create_app as intake_app
from services.policy.bootstrap import PolicyTopics
from services.policy.entrypoints.http import create_app as policy_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bus.topics import TopicSpec
from shared.settings import DEFAULT_TOPICS, load_settings
from tests.integration.databases import fresh_database
from tests.integration.policy.conftest import TOPICS_FILE, publisher
from tests.integration.topic_reader import read_topic

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Running:
    intake: AsyncClient
    policy: AsyncClient
    bootstrap: str
    decisions_topic: str
    agent: dict[str, str]  # an agent's Authorization header

    async def consultation(
        self,
        external_id: str,
        email: str,
        at: datetime,
        sku: str = "KT-100",
        customer: dict[str, Any] | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        body = {
            "source": {"external_id": external_id},
            "channel": "email",
            "received_at": at.isoformat(),
            "customer": customer
            or {"name": "山田 花子", "email": email, "relationship": "purchaser"},
            "product": {"sku": sku, "price": {"amount": "4980", "currency": "JPY"}},
            "subject": "ケトルの水漏れ",
            "body": "底から水が漏れます。交換してください。",
            "demand": {"type": "exchange"},
            **content,
        }
        return await self._accepted("/v1/consultations", body)

    async def contact(
        self, case_id: str, at: datetime, headers: dict[str, str] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {"channel": "email", "occurred_at": at.isoformat(), **fields}
        return await self._accepted(f"/v1/cases/{case_id}/contacts", body, headers)

    async def final_answer(self, case_id: str, at: datetime) -> dict[str, Any]:
        body = "交換はいたしかねます。これが最終回答です。"
        return await self.contact(case_id, at, kind="agent_response", body=body, final_answer=True)

    async def opened(self, at: datetime) -> dict[str, Any]:
        """A consultation of a customer of its own (one no other test's history reaches)."""
        unique = uuid.uuid4().hex
        return await self.consultation(f"o-{unique}", f"open.{unique[:10]}@example.jp", at)

    async def close(self, case_id: str, at: datetime) -> dict[str, Any]:
        body = {"reason": "satisfied", "requested_at": at.isoformat()}
        return await self._accepted(f"/v1/cases/{case_id}/close", body, self.agent)

    async def link(self, case_id: str, linked_case_id: str) -> dict[str, Any]:
        body = {"linked_case_id": linked_case_id}
        return await self._accepted(f"/v1/cases/{case_id}/links", body, self.agent)

    async def fact_check(self, case_id: str, **findings: Any) -> dict[str, Any]:
        return await self._accepted(f"/v1/cases/{case_id}/facts", findings, self.agent)

    async def _accepted(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        answer = await self.intake.post(path, json=body, headers=headers)
        assert answer.status_code == 202, answer.text
        accepted: dict[str, Any] = answer.json()
        return accepted

    async def decision_on(self, event_id: str) -> dict[str, Any]:
        """The decision envelope caused by intake's event `event_id`, once published."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for record in await read_topic(self.bootstrap, self.decisions_topic):
                decision: dict[str, Any] = json.loads(record.value)
                if decision["causation_id"] == event_id:
                    return decision
            await asyncio.sleep(0.3)
        raise AssertionError(f"no decision on {event_id} within 60 s")


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI, name: str, headers: dict[str, str]) -> AsyncIterator[AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url=f"http://{name}", headers=headers) as c,
    ):
        yield c


@pytest.fixture
async def running(
    kafka_bootstrap: str, postgres_url: str, tmp_path: Path
) -> AsyncIterator[Running]:
    issuer = development_issuer(tmp_path / "auth")
    (tmp_path / "jwks.json").write_text(json.dumps(issuer.jwks()))
    prefix = f"t{uuid.uuid4().hex[:10]}."
    names = DEFAULT_TOPICS.prefixed(prefix)
    async with publisher(kafka_bootstrap) as bus:
        await bus.ensure_topics([TopicSpec(name, 3) for _, name in names])
    async with (
        fresh_database(postgres_url) as ledger,
        fresh_database(postgres_url) as decisions,
        fresh_database(postgres_url) as keys,
    ):
        shared: dict[str, Any] = {
            "bus": "kafka",
            "kafka_bootstrap_servers": kafka_bootstrap,
            "keystore_url": keys,
            "topics_file": TOPICS_FILE,
            "topics": names,
            "auth_jwks_file": tmp_path / "jwks.json",
        }
        intake_settings = load_settings(
            service_name="intake",
            database_url=ledger,
            intake_ingress_group=f"{prefix}intake-ingress",
            intake_erasure_group=f"{prefix}intake-erasures",
            **shared,
        )
        policy_settings = load_settings(service_name="policy", database_url=decisions, **shared)
        platform = {"Authorization": f"Bearer {issuer.token('e2e', [Role.PLATFORM], 'caselog')}"}
        topics = PolicyTopics.prefixed(prefix)
        async with (
            lifespan(policy_app(policy_settings, topics=topics), "policy", {}) as policy,
            lifespan(intake_app(intake_settings), "intake", platform) as intake,
        ):
            agent = {"Authorization": f"Bearer {issuer.token('e2e', [Role.AGENT], 'caselog')}"}
            yield Running(intake, policy, kafka_bootstrap, topics.decisions, agent)


def rules(decision: dict[str, Any]) -> list[str]:
    return [reason["rule"] for reason in decision["payload"]["reasons"]]


@pytest.mark.infra
async def test_a_subjects_second_ticket_after_a_final_answer_is_a_repeat(running: Running) -> None:
    email = f"history.{uuid.uuid4().hex[:10]}@example.jp"
    first = await running.consultation(f"t1-{uuid.uuid4().hex}", email, NOW - timedelta(hours=3))
    opened = await running.decision_on(first["event_id"])
    answered = await running.final_answer(first["case_id"], NOW - timedelta(hours=2))
    second = await running.consultation(f"t2-{uuid.uuid4().hex}", email, NOW - timedelta(hours=1))
    repeated = await running.decision_on(second["event_id"])

    assert second["case_id"] != first["case_id"], "a new ticket is a new case"
    assert repeated["subject_id"] == opened["subject_id"], "of the same person"
    assert "repeat" not in rules(opened)
    assert "repeat" in rules(repeated)
    assert repeated["payload"]["outcome"] == "restrict"
    [repeat] = [r for r in repeated["payload"]["reasons"] if r["rule"] == "repeat"]
    facts = {e["fact"]: e["value"] for e in repeat["evidence"] if "fact" in e}
    assert facts["repeat_number"] == "1"
    assert datetime.fromisoformat(facts["history.last_final_answer_at"]) == NOW - timedelta(hours=2)
    assert answered["case_id"] == first["case_id"]


@pytest.mark.infra
async def test_a_follow_up_with_a_new_demand_is_judged_and_a_quiet_one_accepted(
    running: Running,
) -> None:
    email = f"follow.{uuid.uuid4().hex[:10]}@example.jp"
    case = await running.consultation(f"f-{uuid.uuid4().hex}", email, NOW - timedelta(hours=2))
    quiet = await running.contact(
        case["case_id"],
        NOW - timedelta(hours=1),
        kind="customer_contact",
        body="よろしくお願いします",
    )
    demanding = await running.contact(
        case["case_id"],
        NOW - timedelta(minutes=30),
        kind="customer_contact",
        body="交換では足りません。補償を求めます。",
        demand={"type": "compensation", "amount": {"amount": "500000", "currency": "JPY"}},
    )

    accepted = await running.decision_on(quiet["event_id"])
    judged = await running.decision_on(demanding["event_id"])

    assert (accepted["type"], accepted["payload"]["outcome"]) == ("policy.decided", "accept")
    assert rules(accepted) == []
    assert "demand-proportionality" in rules(judged)
    assert judged["payload"]["outcome"] == "restrict"


@pytest.mark.infra
async def test_a_ticket_an_agent_links_to_an_answered_one_makes_the_next_contact_a_repeat(
    running: Running,
) -> None:
    email = f"linked.{uuid.uuid4().hex[:10]}@example.jp"
    first = await running.consultation(f"l1-{uuid.uuid4().hex}", email, NOW - timedelta(hours=4))
    await running.final_answer(first["case_id"], NOW - timedelta(hours=3))
    # Another product: policy cannot tell it is the same affair; the agent can.
    second = await running.consultation(
        f"l2-{uuid.uuid4().hex}", email, NOW - timedelta(hours=2), sku="OTHER-1"
    )
    opened = await running.decision_on(second["event_id"])
    await running.link(second["case_id"], first["case_id"])
    again = await running.contact(
        second["case_id"], NOW - timedelta(hours=1), kind="customer_contact", body="同じ件です"
    )
    repeated = await running.decision_on(again["event_id"])

    assert "repeat" not in rules(opened)
    assert "repeat" in rules(repeated)
    assert repeated["payload"]["outcome"] == "refuse", "case 2's opening was the first repeat"


@pytest.mark.infra
async def test_an_anonymous_consultation_is_recorded_and_refused_under_article_3(
    running: Running,
) -> None:
    anonymous = {"name": " ", "relationship": "purchaser"}  # a blank name, no e-mail, no phone
    case = await running.consultation(
        f"a-{uuid.uuid4().hex}", "", NOW - timedelta(hours=1), customer=anonymous
    )
    refused = await running.decision_on(case["event_id"])

    assert refused["case_id"] == case["case_id"]
    assert refused["subject_id"] is None, "no identity, so no subject"
    assert refused["payload"]["outcome"] == "refuse"
    [scope] = [r for r in refused["payload"]["reasons"] if r["rule"] == "scope-identity"]
    assert scope["article"] == "art. 3"
    facts = {e["fact"]: e["value"] for e in scope["evidence"] if "fact" in e}
    assert facts == {"has_name": "false", "has_email_or_phone": "false"}
    status = await running.intake.get(f"/v1/cases/{case['case_id']}", headers=running.agent)
    assert status.status_code == 200, status.text
    [recorded] = status.json()["events"]
    assert recorded["event_id"] == case["event_id"]
    assert (recorded["type"], recorded["published"]) == ("consultation.received", True)


@pytest.mark.infra
async def test_a_fact_check_sends_a_legitimate_damage_claim_to_liability_review(
    running: Running,
) -> None:
    email = f"facts.{uuid.uuid4().hex[:10]}@example.jp"
    case = await running.consultation(
        f"d-{uuid.uuid4().hex}",
        email,
        NOW - timedelta(hours=2),
        body="ケトルが漏電して床が焦げました。床の張り替え代として5万円を請求します。",
        demand={"type": "compensation", "amount": {"amount": "50000", "currency": "JPY"}},
    )
    opened = await running.decision_on(case["event_id"])
    checked = await running.fact_check(
        case["case_id"], defect_confirmed=True, loss_confirmed=True, note="現物の焦げ跡を確認"
    )
    redecided = await running.decision_on(checked["event_id"])

    assert "liability_review" not in opened["payload"]["actions"]
    assert redecided["case_id"] == case["case_id"]
    assert redecided["payload"]["outcome"] == "escalate"
    assert "liability_review" in redecided["payload"]["actions"]
    [damages] = [r for r in redecided["payload"]["reasons"] if r["rule"] == "damages"]
    assert damages["article"] == "art. 10"
    platform = await running.intake.post(
        f"/v1/cases/{case['case_id']}/facts", json={"defect_confirmed": False}
    )
    assert platform.status_code == 403, "a platform cannot establish facts; an agent does"


@pytest.mark.infra
async def test_a_case_closes_once_an_agent_has_responded_and_is_refused_before_in_words_to_act_on(
    running: Running,
) -> None:
    case = await running.opened(NOW - timedelta(hours=3))
    early = await running.close(case["case_id"], NOW - timedelta(hours=2))
    refused = await running.decision_on(early["event_id"])
    body = "交換品を本日発送いたしました。"
    await running.contact(
        case["case_id"], NOW - timedelta(hours=1), running.agent, kind="agent_response", body=body
    )
    later = await running.close(case["case_id"], NOW - timedelta(minutes=30))
    accepted = await running.decision_on(later["event_id"])

    assert (refused["type"], refused["payload"]["outcome"]) == ("closure.decided", "refuse")
    [incomplete] = [r for r in refused["payload"]["reasons"] if r["rule"] == "record-completeness"]
    assert incomplete["note"] == (
        "record incomplete, cannot close: no agent has recorded a response on this case"
        " (POST /v1/cases/{case_id}/contacts with kind agent_response and an agent token)"
    )
    assert (accepted["type"], accepted["payload"]["outcome"]) == ("closure.decided", "accept")
    assert rules(accepted) == ["termination"]


@pytest.mark.infra
async def test_a_body_naming_the_handler_of_an_agents_response_is_refused(
    running: Running,
) -> None:
    case = await running.opened(NOW - timedelta(hours=1))
    body = {
        "kind": "agent_response",
        "channel": "email",
        "occurred_at": (NOW - timedelta(minutes=30)).isoformat(),
        "body": "ご連絡ありがとうございます。",
        "handled_by": "someone-else",
    }

    answer = await running.intake.post(
        f"/v1/cases/{case['case_id']}/contacts", json=body, headers=running.agent
    )

    assert answer.status_code == 422, answer.text
    assert "handled_by" in answer.text
    assert "someone-else" not in answer.text


@pytest.mark.infra
async def test_a_close_request_evaluated_through_the_api_is_decided_as_the_recorded_one(
    running: Running,
) -> None:
    case = await running.opened(NOW - timedelta(hours=3))
    body = "交換品を本日発送いたしました。"
    await running.contact(
        case["case_id"], NOW - timedelta(hours=2), running.agent, kind="agent_response", body=body
    )
    requested_at = NOW - timedelta(hours=1)
    closed = await running.close(case["case_id"], requested_at)
    recorded = await running.decision_on(closed["event_id"])
    closure = {
        "reason": "satisfied",
        "requested_at": requested_at.isoformat(),
        **{f"has_{item}": True for item in ("content", "times", "customer", "channel")},
    }

    asked = [
        await running.policy.post(
            "/v1/policy/evaluate/closure",
            json={"closure": closure | {"has_handler": handler}},
            headers=running.agent,
        )
        for handler in (True, False)
    ]

    assert [answer.status_code for answer in asked] == [200, 200]
    complete, incomplete = (answer.json() for answer in asked)
    assert (recorded["payload"]["outcome"], complete["outcome"]) == ("accept", "accept")
    assert [r["rule"] for r in complete["reasons"]] == rules(recorded)
    assert complete["policy_version"] == recorded["payload"]["policy_version"]
    assert incomplete["outcome"] == "refuse"
    assert "record-completeness" in [r["rule"] for r in incomplete["reasons"]]
