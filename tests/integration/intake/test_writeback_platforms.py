"""Decisions written back to Zendesk, Freshdesk and Intercom (issue 18, item 1), against local
HTTP servers that implement the documented subset of each platform's API: the paths, the auth
headers, the JSON bodies, 429 with Retry-After and 500. Intake's own consumer runs on the bus
under test (embedded and Kafka) with its SQLite ledger; what each server received is checked
exactly: the note, the tags, the auth, once per decision even across a restart.
"""

import base64
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from services.intake.adapters.ledger import cases, create_ledger_tables, writebacks
from services.intake.adapters.platforms.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    PlatformApi,
    RetryPolicy,
    WriteBackFailedError,
)
from services.intake.adapters.platforms.writers import ZendeskWriter
from services.intake.bootstrap import Intake, bootstrap
from services.intake.entrypoints.decisions import decision_handler
from services.intake.entrypoints.http import create_app
from shared.bus.envelopes import envelope_message
from shared.bus.interface import Bus
from shared.contracts.policy import (
    POLICY_DECIDED,
    Action,
    ArticleTitle,
    Decision,
    FactEvidence,
    Instruction,
    Outcome,
    Reason,
    RuleId,
)
from shared.envelope import Envelope
from shared.settings import load_settings
from tests.conformance.conftest import BusBackend
from tests.conformance.running import eventually, eventually_async, running
from tests.contract_events import dead_letters
from tests.integration.consumer_dead_letters import consumer_bus

__all__ = ["consumer_bus"]
REPO_ROOT = Path(__file__).resolve().parents[3]
CONSOLE = "https://caselog.example.test/console"
ZENDESK_EMAIL = "caselog-bot@example.test"
ZENDESK_TOKEN = "zendesk-api-token-for-write-back-tests"
FRESHDESK_KEY = "freshdesk-api-key-for-write-back-tests"
INTERCOM_TOKEN = "intercom-access-token-for-write-back-tests"
INTERCOM_ADMIN = "814860"
# What the customer wrote and who they are: none of it may leave in a note. The decision
# below carries some of it where a careless composer would pick it up (the reason's free
# note, the evidence), as a policy version quoting the ticket would.
PERSONAL = ("Hanako Yamada", "hanako.yamada@example.jp", "090-1234-5678", "返金しろ")


def refusal() -> Decision:
    return Decision(
        outcome=Outcome.REFUSE,
        reasons=(
            Reason(
                rule=RuleId.DEMAND_VALIDITY,
                article="4.2",
                outcome=Outcome.REFUSE,
                actions=(Action.WARN_CUSTOMER,),
                note=f"{PERSONAL[0]} demanded {PERSONAL[3]}",
                note_ja=f"{PERSONAL[0]}様の要求: {PERSONAL[3]}",
                evidence=(FactEvidence(fact="contact", value=PERSONAL[1]),),
                article_titles=(
                    ArticleTitle(article="4.2", en="Demands without basis", ja="根拠のない要求"),
                ),
            ),
        ),
        actions=(Action.WARN_CUSTOMER,),
        policy_version="2026.12",
        instructions=(
            Instruction(
                action=Action.WARN_CUSTOMER,
                en="Tell the customer the demand cannot be met",
                ja="要求には応じられないことをお客様に伝える",
            ),
        ),
    )


def decided(case_id: str, decision: Decision) -> Envelope:
    return Envelope(
        type=POLICY_DECIDED.type,
        schema_version=POLICY_DECIDED.version,
        case_id=case_id,
        occurred_at=datetime.now(UTC),
        producer="policy",
        correlation_id=case_id,
        payload=decision.model_dump(mode="json"),
    )


@dataclass
class Sleeps:
    """The waits the write-back asked for, taken at once (the test need not sleep them)."""

    waits: list[float]

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Harness:
    tmp_path: Path
    server: HTTPServer
    sleeps: Sleeps

    def intake(self, **overrides: Any) -> Intake:
        """An intake 'process' on this test's databases (call again to restart it)."""
        url = self.server.url_for("").rstrip("/")
        settings = load_settings(
            service_name="intake",
            bus="embedded",
            embedded_bus_path=self.tmp_path / "unused-bus.sqlite3",
            database_url=f"sqlite+aiosqlite:///{self.tmp_path / 'ledger.sqlite3'}",
            keystore_url=f"sqlite+aiosqlite:///{self.tmp_path / 'keys.sqlite3'}",
            topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
            console_public_url=CONSOLE,
            zendesk_api_url=url,
            zendesk_api_email=ZENDESK_EMAIL,
            zendesk_api_token=ZENDESK_TOKEN,
            freshdesk_api_url=url,
            freshdesk_api_key=FRESHDESK_KEY,
            intercom_api_url=url,
            intercom_access_token=INTERCOM_TOKEN,
            intercom_admin_id=INTERCOM_ADMIN,
            **{"writeback_max_attempts": 3, **overrides},
        )
        return bootstrap(settings, sleep=self.sleeps)


@pytest.fixture
def harness(tmp_path: Path, httpserver: HTTPServer) -> Harness:
    return Harness(tmp_path, httpserver, Sleeps([]))


async def open_case(
    intake: Intake, case_id: str, platform: str, ticket: str, language: str | None
) -> None:
    """The case intake opened for a platform ticket, as its ledger keeps it."""
    engine = intake.stores.ledger_engine
    await create_ledger_tables(engine)
    async with engine.begin() as connection:
        await connection.execute(
            cases.insert().values(
                case_id=case_id,
                subject_id=None,
                platform=platform,
                external_id=ticket,
                opened_at=datetime.now(UTC),
                language=language,
            )
        )


@contextlib.asynccontextmanager
async def consuming(bus: Bus, group: str, topic: str, intake: Intake) -> AsyncIterator[None]:
    async with running(bus.subscribe(group, [topic], decision_handler(intake.writeback))):
        yield
    await intake.stores.ledger_engine.dispose()


async def deliver(
    consumer_bus: BusBackend, harness: Harness, intake: Intake, case_id: str, requests: int
) -> Envelope:
    """Policy's refusal on `case_id`, published on a fresh topic and consumed by intake's
    write-back until the platform server has seen `requests` requests."""
    bus, topic = await consumer_bus.new_bus(), await consumer_bus.topic()
    event = decided(case_id, refusal())
    await bus.publish(envelope_message(topic, event))
    async with consuming(bus, consumer_bus.group("intake-writeback"), topic, intake):
        await eventually(lambda: len(harness.server.log) == requests, f"{requests} requests")
        # The platform answered; the handler records the note id right after: wait for it,
        # so stopping the consumer does not cut the handler short.
        await eventually_async(lambda: written_back(intake, case_id), "the write-back row")
    return event


async def written_back(intake: Intake, case_id: str) -> bool:
    query = writebacks.select().where(writebacks.c.case_id == case_id)
    async with intake.stores.ledger_engine.connect() as connection:
        return (await connection.execute(query)).first() is not None


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def zendesk_answer(comment_id: int) -> dict[str, Any]:
    """Zendesk's Update Ticket answer: the ticket and the audit with the comment event."""
    return {
        "ticket": {"id": 35436, "tags": ["caselog_refuse"]},
        "audit": {"id": 9000, "events": [{"id": comment_id, "type": "Comment", "public": False}]},
    }


def sent(server: HTTPServer, method: str, path: str) -> list[Request]:
    return [r for r, _ in server.log if r.method == method and r.path == path]


def assert_no_personal_data(server: HTTPServer) -> None:
    for request, _ in server.log:
        body = request.get_data(as_text=True)
        decoded = json.dumps(json.loads(body), ensure_ascii=False) if body else ""
        for value in PERSONAL:
            assert value not in body
            assert value not in decoded
            assert value not in request.full_path


async def test_zendesk_gets_an_internal_note_in_japanese_with_tags_and_the_token(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    harness.server.expect_request("/api/v2/tickets/35436.json", method="PUT").respond_with_json(
        zendesk_answer(777001)
    )
    intake = harness.intake()
    await open_case(intake, "case-ja", "zendesk", "35436", "ja-JP")
    event = await deliver(consumer_bus, harness, intake, "case-ja", requests=1)

    (request,) = sent(harness.server, "PUT", "/api/v2/tickets/35436.json")
    assert request.headers["Authorization"] == basic(f"{ZENDESK_EMAIL}/token", ZENDESK_TOKEN)
    assert request.headers["Content-Type"] == "application/json"
    ticket = request.get_json()["ticket"]
    assert set(ticket) == {"comment", "additional_tags"}
    assert ticket["additional_tags"] == ["caselog_refuse"]
    assert ticket["comment"]["public"] is False
    assert ticket["comment"]["body"] == (
        "caselog の判定: 拒否 (refuse)\n\n理由:\n"
        "- demand-validity (refuse): 4.2 根拠のない要求\n\n対応:\n"
        "- warn_customer: 要求には応じられないことをお客様に伝える\n\n"
        f"ケース: {CONSOLE}/cases/case-ja\npolicy 2026.12"
    )
    assert_no_personal_data(harness.server)
    async with intake.stores.ledger_engine.connect() as connection:
        row = (await connection.execute(writebacks.select())).one()
    assert (row.decision_id, row.platform, row.note_id) == (
        str(event.event_id),
        "zendesk",
        "777001",
    )


async def test_a_redelivered_decision_after_a_restart_posts_no_second_note(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    for ticket, comment in (("100", 1), ("200", 2)):
        harness.server.expect_request(
            f"/api/v2/tickets/{ticket}.json", method="PUT"
        ).respond_with_json(zendesk_answer(comment))
    first = harness.intake()
    await open_case(first, "case-en", "zendesk", "100", "en")
    await open_case(first, "case-later", "zendesk", "200", None)
    topic, group = await consumer_bus.topic(), consumer_bus.group("intake-writeback")
    decision = decided("case-en", refusal())
    bus = await consumer_bus.new_bus()
    await bus.publish(envelope_message(topic, decision))
    async with consuming(bus, group, topic, first):
        await eventually(lambda: len(harness.server.log) == 1, "the first note")

    # The process restarts, reads the topic from the start (the decision twice: as first
    # published and redelivered) and then another: only the other one is written.
    restarted, bus = harness.intake(), await consumer_bus.new_bus()
    await bus.publish(envelope_message(topic, decision))
    await bus.publish(envelope_message(topic, decided("case-later", refusal())))
    async with consuming(bus, group + ".replay", topic, restarted):
        await eventually(lambda: len(harness.server.log) == 2, "the later decision's note")

    assert len(sent(harness.server, "PUT", "/api/v2/tickets/100.json")) == 1
    assert len(sent(harness.server, "PUT", "/api/v2/tickets/200.json")) == 1
    english = sent(harness.server, "PUT", "/api/v2/tickets/100.json")[0].get_json()
    assert english["ticket"]["comment"]["body"].startswith("caselog decision: refuse\n")
    assert "4.2 Demands without basis" in english["ticket"]["comment"]["body"]


async def test_a_429_is_waited_out_as_retry_after_says(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    path = "/api/v2/tickets/35436.json"
    harness.server.expect_ordered_request(path, method="PUT").respond_with_response(
        Response('{"error":"TooManyRequests"}', 429, {"Retry-After": "7"})
    )
    harness.server.expect_ordered_request(path, method="PUT").respond_with_json(zendesk_answer(5))
    intake = harness.intake()
    await open_case(intake, "case-busy", "zendesk", "35436", "en")
    await deliver(consumer_bus, harness, intake, "case-busy", requests=2)

    assert harness.sleeps.waits == [7.0]
    assert [response.status_code for _, response in harness.server.log] == [429, 200]
    first, second = (request.get_json() for request, _ in harness.server.log)
    assert first == second


async def test_a_500_is_retried_then_the_decision_is_dead_lettered_with_the_reason(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    harness.server.expect_request("/api/v2/tickets/9.json", method="PUT").respond_with_data(
        "oops", status=500
    )
    intake = harness.intake(writeback_backoff_s=0.25)
    await open_case(intake, "case-down", "zendesk", "9", "en")
    bus, topic = await consumer_bus.new_bus(), await consumer_bus.topic()
    group = consumer_bus.group("intake-writeback")
    await bus.publish(envelope_message(topic, decided("case-down", refusal())))
    async with consuming(bus, group, topic, intake):
        (letter,) = await dead_letters(bus, topic, expected=1, group=group)

    assert len(harness.server.log) == 3
    assert harness.sleeps.waits == [0.25, 0.5]
    assert letter.error_type == WriteBackFailedError.__name__
    assert letter.reason == (
        "zendesk PUT /api/v2/tickets/9.json: gave up after 3 attempts, last HTTP 500"
    )
    assert letter.envelope.case_id == "case-down"


async def test_the_circuit_opens_after_failures_and_closes_after_a_good_trial(
    httpserver: HTTPServer,
) -> None:
    now = [1000.0]
    circuit = CircuitBreaker("zendesk", failures=2, cooldown_s=30.0, clock=lambda: now[0])
    api = PlatformApi(
        "zendesk",
        httpserver.url_for(""),
        ZendeskWriter.auth(ZENDESK_EMAIL, ZENDESK_TOKEN),
        timeout_s=5.0,
        retry=RetryPolicy(max_attempts=1),
        circuit=circuit,
    )
    path = "/api/v2/tickets/1.json"
    failing = httpserver.expect_request(path, method="PUT")
    failing.respond_with_data("down", status=503)
    for _ in range(2):
        with pytest.raises(WriteBackFailedError):
            await api.call("PUT", path, {})
    assert circuit.state == "open"
    with pytest.raises(CircuitOpenError):
        await api.call("PUT", path, {})
    assert len(httpserver.log) == 2  # open: the platform was not called

    now[0] += 30.0  # cooled down: one trial, which fails, opens it again
    assert circuit.state == "half-open"
    with pytest.raises(WriteBackFailedError):
        await api.call("PUT", path, {})
    assert circuit.state == "open"

    now[0] += 30.0
    httpserver.clear_all_handlers()
    httpserver.expect_request(path, method="PUT").respond_with_json(zendesk_answer(1))
    assert await api.call("PUT", path, {}) == zendesk_answer(1)
    assert circuit.state == "closed"
    assert len(httpserver.log) == 4


def freshdesk_ticket(tags: list[str]) -> Callable[[Request], Response]:
    """Freshdesk's ticket: View answers its tags, Update replaces them (as documented)."""
    state = {"tags": tags}

    def answer(request: Request) -> Response:
        if request.method == "PUT":
            state["tags"] = request.get_json()["tags"]
        return Response(
            json.dumps({"id": 7, "tags": state["tags"]}), 200, mimetype="application/json"
        )

    return answer


async def test_freshdesk_gets_a_private_note_and_keeps_its_tags(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    ticket = freshdesk_ticket(["vip"])
    harness.server.expect_request("/api/v2/tickets/7", method="GET").respond_with_handler(ticket)
    harness.server.expect_request("/api/v2/tickets/7", method="PUT").respond_with_handler(ticket)
    harness.server.expect_request("/api/v2/tickets/7/notes", method="POST").respond_with_json(
        {"id": 4401, "private": True, "ticket_id": 7}, status=201
    )
    intake = harness.intake()
    await open_case(intake, "case-fd", "freshdesk", "7", "en")
    await deliver(consumer_bus, harness, intake, "case-fd", requests=3)

    assert [(r.method, r.path) for r, _ in harness.server.log] == [
        ("GET", "/api/v2/tickets/7"),
        ("PUT", "/api/v2/tickets/7"),
        ("POST", "/api/v2/tickets/7/notes"),
    ]
    for request, _ in harness.server.log:
        assert request.headers["Authorization"] == basic(FRESHDESK_KEY, "X")
    assert harness.server.log[1][0].get_json() == {"tags": ["vip", "caselog_refuse"]}
    note = harness.server.log[2][0].get_json()
    assert note["private"] is True
    assert note["body"].startswith("caselog decision: refuse<br><br>Reasons:<br>")
    assert f"Case: {CONSOLE}/cases/case-fd<br>" in note["body"]
    assert_no_personal_data(harness.server)


async def test_intercom_gets_a_note_by_the_admin_and_the_tag(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    server = harness.server
    server.expect_request("/tags", method="POST").respond_with_json(
        {"type": "tag", "id": "81", "name": "caselog_refuse"}
    )
    server.expect_request("/conversations/1911149811/tags", method="POST").respond_with_json(
        {"type": "tag", "id": "81", "name": "caselog_refuse"}
    )
    server.expect_request("/conversations/1911149811/reply", method="POST").respond_with_json(
        {
            "type": "conversation",
            "id": "1911149811",
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": [
                    {"type": "conversation_part", "id": "3300", "part_type": "note"}
                ],
            },
        }
    )
    intake = harness.intake()
    await open_case(intake, "case-ic", "intercom", "1911149811", "ja")
    await deliver(consumer_bus, harness, intake, "case-ic", requests=3)

    for request, _ in server.log:
        assert request.headers["Authorization"] == f"Bearer {INTERCOM_TOKEN}"
        assert request.headers["Intercom-Version"] == "2.11"
    assert server.log[0][0].get_json() == {"name": "caselog_refuse"}
    assert server.log[1][0].get_json() == {"id": "81", "admin_id": INTERCOM_ADMIN}
    reply = server.log[2][0].get_json()
    assert {k: reply[k] for k in ("message_type", "type", "admin_id")} == {
        "message_type": "note",
        "type": "admin",
        "admin_id": INTERCOM_ADMIN,
    }
    assert reply["body"].startswith("caselog の判定: 拒否 (refuse)<br>")
    assert_no_personal_data(server)
    async with intake.stores.ledger_engine.connect() as connection:
        row = (await connection.execute(writebacks.select())).one()
    assert row.note_id == "3300"


async def test_the_intake_app_writes_back_what_policy_publishes_and_logs_no_token(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The consumer as the intake app runs it, on caselog.policy of the embedded bus; a
    ticket without a language gets the configured default (Japanese here)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    harness.server.expect_request("/api/v2/tickets/51.json", method="PUT").respond_with_json(
        zendesk_answer(51)
    )
    settings = harness.intake(writeback_default_language="ja").settings
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        intake: Intake = app.state.intake
        await open_case(intake, "case-app", "zendesk", "51", None)
        message = envelope_message(settings.topics.policy, decided("case-app", refusal()))
        await intake.infrastructure.bus.publish(message)
        await eventually(lambda: len(harness.server.log) == 1, "the note from the app")

    body = harness.server.log[0][0].get_json()["ticket"]["comment"]["body"]
    assert body.startswith("caselog の判定: 拒否 (refuse)\n")
    assert ZENDESK_TOKEN not in caplog.text
    assert base64.b64encode(f"{ZENDESK_EMAIL}/token:{ZENDESK_TOKEN}".encode()).decode() not in (
        caplog.text
    )


async def test_an_erased_case_loses_its_write_back_rows_with_its_ticket(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    harness.server.expect_request("/api/v2/tickets/61.json", method="PUT").respond_with_json(
        zendesk_answer(61)
    )
    intake = harness.intake()
    await open_case(intake, "case-erased", "zendesk", "61", "en")
    await deliver(consumer_bus, harness, intake, "case-erased", requests=1)

    async with intake.stores.ledger_work() as uow:
        assert await uow.ledger.forget_cases(["case-erased"]) == 1
        await uow.commit()
    async with intake.stores.ledger_engine.connect() as connection:
        assert (await connection.execute(writebacks.select())).all() == []


async def test_a_decision_meeting_an_open_circuit_is_dead_lettered_without_a_call(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    harness.server.expect_request("/api/v2/tickets/71.json", method="PUT").respond_with_data(
        "down", status=502
    )
    intake = harness.intake(writeback_max_attempts=1, writeback_circuit_failures=1)
    await open_case(intake, "case-first", "zendesk", "71", "en")
    await open_case(intake, "case-second", "zendesk", "72", "en")
    bus, topic = await consumer_bus.new_bus(), await consumer_bus.topic()
    group = consumer_bus.group("intake-writeback")
    for case_id in ("case-first", "case-second"):
        await bus.publish(envelope_message(topic, decided(case_id, refusal())))
    async with consuming(bus, group, topic, intake):
        letters = await dead_letters(bus, topic, expected=2, group=group)

    assert [r.path for r, _ in harness.server.log] == ["/api/v2/tickets/71.json"]
    reasons = {letter.envelope.case_id: letter.reason for letter in letters}
    assert reasons == {
        "case-first": "zendesk PUT /api/v2/tickets/71.json: gave up after 1 attempts,"
        " last HTTP 502",
        "case-second": "zendesk write-back circuit is open",
    }


async def test_a_decision_older_than_the_max_age_gets_no_note(
    consumer_bus: BusBackend, harness: Harness
) -> None:
    """A new group reads caselog.policy from the beginning: last year's decision is skipped,
    today's (published after it) is written."""
    for ticket in ("81", "82"):
        harness.server.expect_request(
            f"/api/v2/tickets/{ticket}.json", method="PUT"
        ).respond_with_json(zendesk_answer(int(ticket)))
    intake = harness.intake(writeback_max_age_h=24)
    await open_case(intake, "case-old", "zendesk", "81", "en")
    await open_case(intake, "case-new", "zendesk", "82", "en")
    last_year = datetime.now(UTC) - timedelta(days=365)
    old = decided("case-old", refusal()).model_copy(update={"recorded_at": last_year})
    bus, topic = await consumer_bus.new_bus(), await consumer_bus.topic()
    await bus.publish(envelope_message(topic, old))
    await bus.publish(envelope_message(topic, decided("case-new", refusal())))
    async with consuming(bus, consumer_bus.group("intake-writeback"), topic, intake):
        await eventually_async(lambda: written_back(intake, "case-new"), "today's note")

    assert [r.path for r, _ in harness.server.log] == ["/api/v2/tickets/82.json"]
    assert not await written_back(intake, "case-old")
