"""`caselog replay` and `caselog erase` against the embedded runtime served on loopback."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from services.intake.entrypoints.examples import ENGLISH
from services.privacy.bootstrap import Privacy
from services.privacy.domain.receipt import SignedReceipt
from services.records.adapters.log_identity import log_origin
from services.runtime.cli import main
from services.runtime.embedded import embedded_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.bus.interface import Bus
from shared.settings import CaselogSettings, load_settings
from tests.integration.serving import serving
from tests.unit.privacy.samples import epoch_closed

REPO_ROOT = Path(__file__).resolve().parents[2]
EMAIL = "case.cli.subject@example.com"


def caselog(*argv: str) -> int:
    try:
        main(list(argv))
    except SystemExit as stop:
        return int(stop.code or 0)
    return 0


def embedded_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CaselogSettings:
    """The embedded runtime on its own SQLite files under tmp_path (the working folder),
    whatever DATABASE_URL the suite runs with: each service derives its database from it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return load_settings(
        service_name="caselog",
        demo_seed=False,
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
    )


async def until_found(client: httpx.AsyncClient, path: str) -> None:
    for _attempt in range(250):
        if (await client.get(path)).status_code == 200:
            return
        await asyncio.sleep(0.04)
    raise AssertionError(f"{path} never appeared")


async def until_bound(client: httpx.AsyncClient, request_id: str) -> dict[str, Any]:
    for _attempt in range(250):
        found: dict[str, Any] = (await client.get(f"/v1/requests/{request_id}/receipt")).json()
        if found["receipt"]["records_checkpoint"]["bound"]:
            return found
        await asyncio.sleep(0.04)
    raise AssertionError("the receipt was never bound to a records checkpoint")


async def until_complete(client: httpx.AsyncClient, request_id: str) -> dict[str, Any]:
    for _attempt in range(250):
        found: dict[str, Any] = (await client.get(f"/v1/requests/{request_id}/receipt")).json()
        if found.get("completion"):
            return found
        await asyncio.sleep(0.04)
    raise AssertionError("the epoch close never completed the receipt")


def privacy_bus(root: FastAPI) -> Bus:
    mounted = next(r for r in root.routes if isinstance(r, Mount) and r.path == "/privacy")
    privacy: Privacy = mounted.app.state.privacy  # type: ignore[attr-defined]
    return privacy.infrastructure.bus


async def test_replay_and_erase_a_consultation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = embedded_settings(tmp_path, monkeypatch)
    issuer = development_issuer(settings.auth_dev_keys_dir)

    def token(role: Role) -> str:
        return issuer.token("case-cli-test", [role], settings.auth_audience)

    officer = token(Role.PRIVACY_OFFICER)
    consultation = {
        **ENGLISH,
        "source": {"platform": "rest", "external_id": "case-cli-1"},
        "customer": {**ENGLISH["customer"], "email": EMAIL},
    }
    root = embedded_app(settings)
    async with serving(root) as url:
        headers = {"Authorization": f"Bearer {token(Role.PLATFORM)}"}
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            accepted = await client.post("/intake/v1/consultations", json=consultation)
            assert accepted.status_code == 202, accepted.text
            case_id = accepted.json()["case_id"]
            client.headers["Authorization"] = f"Bearer {officer}"
            await until_found(client, f"/records/v1/cases/{case_id}")
            await until_found(client, f"/privacy/v1/cases/{case_id}")
            found = await client.get(f"/privacy/v1/cases/{case_id}")
            subject_id = found.json()["case"]["subject_id"]
        headers = {"Authorization": f"Bearer {officer}"}
        capsys.readouterr()

        records = ("--url", f"{url}/records", "--token", officer)
        replayed = await asyncio.to_thread(caselog, "replay", case_id, *records)
        timeline = json.loads(capsys.readouterr().out)
        unexplained = await asyncio.to_thread(caselog, "replay", case_id, "--reveal", *records)
        refused = capsys.readouterr()

        receipt = tmp_path / "receipt.json"
        privacy = ("--url", f"{url}/privacy", "--token", officer, "--receipt", str(receipt))
        unconfirmed = await asyncio.to_thread(caselog, "erase", EMAIL, *privacy)
        refusal = capsys.readouterr()
        assert unconfirmed == 2, refusal
        erased = await asyncio.to_thread(
            caselog, "erase", EMAIL, "--yes", "--reason", "ticket-42", *privacy
        )
        summary = capsys.readouterr()
        assert erased == 0, summary.err
        request_id = json.loads(receipt.read_text(encoding="utf-8"))["receipt"]["request_id"]
        async with httpx.AsyncClient(base_url=f"{url}/privacy", headers=headers) as client:
            key = (await client.get("/v1/receipts/key")).json()["verifier_key"]
            bound = await until_bound(client, request_id)
            # The epoch closes: privacy's consumer reads the event from caselog.privacy.
            signed = SignedReceipt.model_validate(bound)
            residual = signed.receipt["residual_copies"]
            await privacy_bus(root).publish(
                envelope_message(
                    "caselog.privacy",
                    epoch_closed(residual["epoch"], residual["kek_id"], datetime.now(UTC)),
                )
            )
            completed = await until_complete(client, request_id)
            erasures = (await client.get(f"/v1/subjects/{subject_id}/erasures")).json()

    assert replayed == 0
    assert timeline["case_id"] == case_id
    assert timeline["revealed"] is False
    assert "consultation.received" in [event["type"] for event in timeline["events"]]
    assert unexplained == 1
    assert refused.err.strip() == (
        "FAILED: 422 a reveal needs a purpose or a matter reference (field: purpose)"
    )
    assert unconfirmed == 2  # stdin is no terminal here, and there was no --yes
    assert "REFUSED: standard input is not a terminal" in refusal.err
    assert f"case {case_id}: " in refusal.out  # the preview came first
    assert erased == 0, summary.err
    assert f"erased: case {case_id}" in summary.out
    assert EMAIL not in summary.out + summary.err
    assert EMAIL not in receipt.read_text(encoding="utf-8")
    # Only self-consistency without a pinned key (issue 14, finding 13): not a pass.
    assert caselog("verify-receipt", str(receipt)) == 3
    assert "only self-consistency was checked" in capsys.readouterr().out
    assert caselog("verify-receipt", str(receipt), "--key", key) == 0
    assert "pending: residual copies unreadable" in capsys.readouterr().out
    # Records acknowledged the erasure's event with a checkpoint that includes it (finding 14).
    checkpoint = bound["receipt"]["records_checkpoint"]
    assert checkpoint["bound"] is True
    assert checkpoint["note"].startswith(f"{log_origin(settings)}\n")
    assert checkpoint["checkpoint_size"] > max(checkpoint["event_positions"])
    path = tmp_path / "completed.json"
    path.write_text(json.dumps(completed), encoding="utf-8")
    assert caselog("verify-receipt", str(path), "--key", key) == 0
    verified = capsys.readouterr().out
    assert f"complete: epoch {residual['epoch']} closed" in verified
    assert "records checkpoint: bound" in verified
    assert [(e["request_id"], e["state"]) for e in erasures] == [(request_id, "complete")]
