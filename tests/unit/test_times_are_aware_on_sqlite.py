"""Issue 14, finding 20: every time a service answers is an aware UTC time, on SQLite too
(which keeps no zone: intake's `recorded_at` and policy's `first_seen_at` came back naive)."""

import json
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from services.runtime.embedded import service_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import CaselogSettings, load_settings
from tests.unit.test_role_matrix import REPO_ROOT


def sqlite_settings(service: str, data: Path) -> CaselogSettings:
    issuer = development_issuer(data / "auth")
    (data / "jwks.json").write_text(json.dumps(issuer.jwks()))
    return load_settings(
        service_name=service,
        embedded_bus_path=data / "bus.sqlite3",
        database_url=f"sqlite+aiosqlite:///{data}/{service}.sqlite3",
        keystore_url=f"sqlite+aiosqlite:///{data}/keys.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
        auth_jwks_file=data / "jwks.json",
        auth_dev_keys_dir=data / "auth",
    )


def bearer(data: Path, role: Role) -> dict[str, str]:
    token = development_issuer(data / "auth").token("tester", [role], "caselog")
    return {"Authorization": f"Bearer {token}"}


def is_aware_utc(text: str) -> bool:
    moment = datetime.fromisoformat(text)
    return moment.utcoffset() is not None and moment.astimezone(UTC) == moment


def test_intake_answers_recorded_at_with_its_zone_on_sqlite(tmp_path: Path) -> None:
    consultation = {
        "source": {"external_id": "sqlite-times-1"},
        "channel": "phone",
        "received_at": datetime.now(UTC).isoformat(),
        "customer": {"name": "山田 花子", "phone": "090-2345-6789"},
        "subject": "ケトルの水漏れ",
        "body": "底から水が漏れます。",
    }
    with TestClient(service_app("intake", sqlite_settings("intake", tmp_path))) as client:
        opened = client.post(
            "/v1/consultations", json=consultation, headers=bearer(tmp_path, Role.PLATFORM)
        )
        status = client.get(
            f"/v1/cases/{opened.json()['case_id']}", headers=bearer(tmp_path, Role.LEGAL)
        )
    assert opened.status_code == 202, opened.text
    [event] = status.json()["events"]
    assert is_aware_utc(event["recorded_at"]), event["recorded_at"]


def test_policy_answers_first_seen_at_with_its_zone_on_sqlite(tmp_path: Path) -> None:
    with TestClient(service_app("policy", sqlite_settings("policy", tmp_path))) as client:
        current = client.get("/v1/policy", headers=bearer(tmp_path, Role.LEGAL))
        version = client.get(
            f"/v1/policy/versions/{current.json()['version']}", headers=bearer(tmp_path, Role.LEGAL)
        )
    assert version.status_code == 200, version.text
    assert is_aware_utc(version.json()["first_seen_at"]), version.json()["first_seen_at"]
