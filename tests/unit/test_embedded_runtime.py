"""`caselog run`: the four services in one process answer under their own prefixes."""

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.runtime.demo import DEMOS
from services.runtime.embedded import SERVICES, embedded_app
from shared.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_service_is_ready_on_the_embedded_bus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        service_name="caselog",
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
    )
    with TestClient(embedded_app(settings)) as client:
        index = client.get("/")
        readiness = {name: client.get(f"/{name}/readyz") for name in SERVICES}
        public_keys = client.get("/records/log/keys")

    assert index.status_code == 200
    for name, response in readiness.items():
        assert f"/{name}/docs" in index.text
        assert response.status_code == 200, (name, response.text)
        assert response.json()["checks"] == {"bus": "ok", "database": "ok"}
    # The public log's keys, without a token, at the prefix records is mounted under.
    log_key, receipt_key = public_keys.text.splitlines()
    assert log_key.startswith("caselog.local/records+")
    assert receipt_key.startswith("caselog-privacy+")
    expected = {"bus.sqlite3", "keys.sqlite3", *(f"{name}.sqlite3" for name in SERVICES)}
    assert expected <= {p.name for p in (tmp_path / "data").iterdir()}


def test_demo_consultations_are_seeded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        service_name="caselog",
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
    )
    counts = []
    for _restart in range(2):
        with TestClient(embedded_app(settings)):
            pass
        with sqlite3.connect(tmp_path / "data" / "intake.sqlite3") as db:
            counts.append(db.execute("select count(*) from intake_outbox").fetchone()[0])
    assert counts == [len(DEMOS), len(DEMOS)]
    assert len(DEMOS) >= 4
