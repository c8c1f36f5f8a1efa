"""`caselog replay` and `caselog erase` against the embedded runtime served on loopback."""

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from services.intake.entrypoints.examples import ENGLISH
from services.runtime.cli import main
from services.runtime.embedded import embedded_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.integration.serving import serving

REPO_ROOT = Path(__file__).resolve().parents[2]
EMAIL = "case.cli.subject@example.com"


def caselog(*argv: str) -> int:
    try:
        main(list(argv))
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


async def until_found(client: httpx.AsyncClient, path: str) -> None:
    for _attempt in range(250):
        if (await client.get(path)).status_code == 200:
            return
        await asyncio.sleep(0.04)
    raise AssertionError(f"{path} never appeared")


async def test_replay_and_erase_a_consultation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        service_name="caselog",
        demo_seed=False,
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
    )
    issuer = development_issuer(settings.auth_dev_keys_dir)

    def token(role: Role) -> str:
        return issuer.token("case-cli-test", [role], settings.auth_audience)

    officer = token(Role.PRIVACY_OFFICER)
    consultation = {
        **ENGLISH,
        "source": {"platform": "rest", "external_id": "case-cli-1"},
        "customer": {**ENGLISH["customer"], "email": EMAIL},
    }
    async with serving(embedded_app(settings)) as url:
        headers = {"Authorization": f"Bearer {token(Role.PLATFORM)}"}
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            accepted = await client.post("/intake/v1/consultations", json=consultation)
            assert accepted.status_code == 202, accepted.text
            case_id = accepted.json()["case_id"]
            client.headers["Authorization"] = f"Bearer {officer}"
            await until_found(client, f"/records/v1/cases/{case_id}")
            await until_found(client, f"/privacy/v1/cases/{case_id}")
        capsys.readouterr()

        records = ("--url", f"{url}/records", "--token", officer)
        replayed = await asyncio.to_thread(caselog, "replay", case_id, *records)
        timeline = json.loads(capsys.readouterr().out)
        unexplained = await asyncio.to_thread(caselog, "replay", case_id, "--reveal", *records)
        refused = capsys.readouterr()

        receipt = tmp_path / "receipt.json"
        privacy = ("--url", f"{url}/privacy", "--token", officer, "--receipt", str(receipt))
        erased = await asyncio.to_thread(caselog, "erase", EMAIL, "--reason", "ticket-42", *privacy)
        summary = capsys.readouterr()

    assert replayed == 0
    assert timeline["case_id"] == case_id
    assert timeline["revealed"] is False
    assert "consultation.received" in [event["type"] for event in timeline["events"]]
    assert unexplained == 1
    assert refused.err.strip() == (
        "FAILED: 422 a reveal needs a purpose or a matter reference (field: purpose)"
    )
    assert erased == 0, summary.err
    assert f"erased: case {case_id}" in summary.out
    assert EMAIL not in summary.out + summary.err
    assert EMAIL not in receipt.read_text(encoding="utf-8")
    assert caselog("verify-receipt", str(receipt)) == 0
    assert "verified: erasure receipt" in capsys.readouterr().out
