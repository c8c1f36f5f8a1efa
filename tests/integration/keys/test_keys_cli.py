"""`caselog keys current` and `caselog keys close-epoch` against the embedded runtime served on
loopback: an admin closes the epoch, the close reaches records' log, other roles are refused."""

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from services.runtime.embedded import embedded_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.integration.serving import serving
from tests.integration.test_case_cli import REPO_ROOT, caselog, until_found


async def test_an_admin_closes_the_key_epoch_from_the_command_line(
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
    admin = issuer.token("keys-cli-admin", [Role.ADMIN], settings.auth_audience)
    officer = issuer.token("keys-cli-officer", [Role.PRIVACY_OFFICER], settings.auth_audience)
    async with serving(embedded_app(settings)) as url:
        capsys.readouterr()
        as_admin = ("--url", f"{url}/privacy", "--token", admin)
        shown = await asyncio.to_thread(caselog, "keys", "current", *as_admin)
        before = json.loads(capsys.readouterr().out)
        refused = await asyncio.to_thread(
            caselog, "keys", "close-epoch", "--url", f"{url}/privacy", "--token", officer
        )
        refusal = capsys.readouterr().err
        closed = await asyncio.to_thread(caselog, "keys", "close-epoch", *as_admin)
        summary = capsys.readouterr().out
        headers = {"Authorization": f"Bearer {officer}"}
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            # The close is an event on caselog.privacy, which records keeps like any other.
            await until_found(client, "/records/v1/cases/key-epoch-1")

    assert shown == 0
    assert before["number"] == 1
    assert refused == 1
    assert refusal.startswith("FAILED: 403")
    assert closed == 0
    assert f"closed key epoch 1: KEK {before['kek_id']} destroyed" in summary
    assert not (tmp_path / "data" / "keyring" / f"{before['kek_id']}.key").exists()
