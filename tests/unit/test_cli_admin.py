"""`caselog keys close-epoch --local` and `caselog token issue`, from the command line."""

import asyncio
import base64
import os
from pathlib import Path

import pytest
from pydantic import BaseModel

from services.runtime.cli import main
from shared.auth.verifier import TokenVerifier
from shared.crypto.fields import Content
from shared.crypto.grants import reader_for
from shared.crypto.runtime import build_personal_data
from shared.settings import load_settings


class Note(BaseModel):
    body: Content[str]


def key_file(path: Path) -> Path:
    path.write_text(base64.b64encode(os.urandom(32)).decode())
    path.chmod(0o600)
    return path


async def test_close_epoch_locally_moves_every_key_so_the_fixed_kek_can_be_retired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = key_file(tmp_path / "old.key")
    common = {"service_name": "t", "keystore_url": f"sqlite+aiosqlite:///{tmp_path}/keys.db"}
    before = load_settings(**common, crypto={"kek_provider": "file", "kek_file": old})
    personal = build_personal_data(before)
    await personal.start()
    sealed = await personal.codec.encrypt(Note(body="返品希望"), case_id="c1", event_id="e1")
    first = await personal.keys.current_epoch()
    await personal.close()
    for name, value in {
        "CASELOG_KEYSTORE_URL": common["keystore_url"],
        "CASELOG_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/privacy.db",
        "CASELOG_EMBEDDED_BUS_PATH": str(tmp_path / "bus.db"),
        "CASELOG_PRIVACY_DEV_SIGNING_KEY_FILE": str(tmp_path / "privacy.key"),
        "CASELOG_CRYPTO__KEK_PROVIDER": "file",
        "CASELOG_CRYPTO__KEK_FILE": str(old),
    }.items():
        monkeypatch.setenv(name, value)

    # The command runs its own event loop, so it runs in a thread beside this test's loop.
    with pytest.raises(SystemExit) as exit_status:
        await asyncio.to_thread(main, ["keys", "close-epoch", "--local"])

    assert exit_status.value.code == 0
    printed = capsys.readouterr().out
    assert f"closed key epoch 1: KEK {first.kek_id} destroyed" in printed
    assert "1 live data keys re-wrapped" in printed
    after = build_personal_data(load_settings(**common))  # the fixed KEK no longer given
    opened = await after.codec.decrypt(
        sealed, Note, case_id="c1", event_id="e1", reader=reader_for("privacy")
    )
    assert (await after.keys.current_epoch()).number == 2
    await after.close()
    assert opened["body"] == "返品希望"


def test_token_issue_prints_a_token_the_services_accept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASELOG_AUTH_DEV_KEYS_DIR", str(tmp_path))
    main(["token", "issue", "--role", "legal", "--sub", "counsel-1"])
    token = capsys.readouterr().out.strip()
    verifier = TokenVerifier.from_jwks_file(
        tmp_path / "dev-jwks.json", issuer="caselog-development", audience="caselog"
    )
    principal = verifier.verify(token)
    assert principal.subject == "counsel-1"
    assert {role.value for role in principal.roles} == {"legal"}
