"""Issue 14, finding 5: a long decision held the embedded process's event loop, so /healthz
(and the other three services) waited seconds. The engine runs on a thread of its own; this
proves it by holding a decision open until /healthz has answered, with no clock involved."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.intake.domain.consultation import MAX_BODY_BYTES
from services.policy.domain import engine, text_scan
from services.runtime.embedded import embedded_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[3]
# Only a guard against a hung test: the assertions never depend on how long anything takes.
DEADLOCK_GUARD_S = 60


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        service_name="caselog",
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
        demo_seed=False,
    )
    with TestClient(embedded_app(settings)) as client:
        yield client


def test_healthz_answers_while_a_large_decision_is_being_computed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    computing, healthz_answered = threading.Event(), threading.Event()
    released_by_healthz: list[bool] = []
    real_scan = text_scan.scan  # what engine calls as `scan`

    def scan_held_open(*args: Any) -> Any:
        # The real scan of the largest body, then held inside the engine until /healthz has
        # answered: were the engine on the event loop, /healthz could not answer meanwhile
        # and this would only end at the guard.
        findings = real_scan(*args)
        computing.set()
        released_by_healthz.append(healthz_answered.wait(DEADLOCK_GUARD_S))
        return findings

    monkeypatch.setattr(engine, "scan", scan_held_open)
    token = development_issuer(Path("data/auth")).token("tester", [Role.AGENT], "caselog")
    body = "バカ" * (MAX_BODY_BYTES // len("バカ".encode()))
    evaluation = {
        "consultation": {
            "channel": "email",
            "received_at": "2026-11-02T10:15:00+09:00",
            "relationship": "purchaser",
            "has_name": True,
            "has_email_or_phone": True,
            "body": body,
        }
    }
    answers: dict[str, Any] = {}

    def evaluate() -> None:
        answers["evaluate"] = client.post(
            "/policy/v1/policy/evaluate",
            json=evaluation,
            headers={"Authorization": f"Bearer {token}"},
        )

    deciding = threading.Thread(target=evaluate)
    deciding.start()
    assert computing.wait(DEADLOCK_GUARD_S), "the decision never started"
    health = client.get("/healthz")
    policy_health = client.get("/policy/healthz")
    healthz_answered.set()
    deciding.join(DEADLOCK_GUARD_S)

    assert (health.status_code, policy_health.status_code) == (200, 200)
    assert released_by_healthz == [True]  # /healthz answered while the decision was open
    decided = answers["evaluate"]
    assert decided.status_code == 200, decided.text
    [insult] = [r for r in decided.json()["reasons"] if r["category"] == "insult"]
    assert insult["evidence_omitted"] == {"insult": body.count("バカ") - 20}
