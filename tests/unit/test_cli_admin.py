"""`caselog rewrap-keys` and `caselog token issue` work from the command line's settings."""

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
    return path


async def test_rewrap_moves_every_key_so_the_old_kek_can_be_retired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = key_file(tmp_path / "old.key"), key_file(tmp_path / "new.key")
    common = {"service_name": "t", "keystore_url": f"sqlite+aiosqlite:///{tmp_path}/keys.db"}
    before = load_settings(**common, crypto={"kek_provider": "file", "kek_file": old})
    personal = build_personal_data(before)
    await personal.start()
    sealed = await personal.codec.encrypt(Note(body="返品希望"), case_id="c1", event_id="e1")
    await personal.close()

    monkeypatch.setenv("CASELOG_KEYSTORE_URL", common["keystore_url"])
    monkeypatch.setenv("CASELOG_CRYPTO__KEK_PROVIDER", "file")
    monkeypatch.setenv("CASELOG_CRYPTO__KEK_FILE", str(new))
    monkeypatch.setenv("CASELOG_CRYPTO__PREVIOUS_KEK_FILES", f'["{old}"]')
    # The command runs its own event loop, so it runs in a thread beside this test's loop.
    await asyncio.to_thread(main, ["rewrap-keys"])
    assert "re-wrapped 1 data keys" in capsys.readouterr().out

    after = build_personal_data(
        load_settings(**common, crypto={"kek_provider": "file", "kek_file": new})
    )
    opened = await after.codec.decrypt(
        sealed, Note, case_id="c1", event_id="e1", reader=reader_for("privacy")
    )
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


def test_token_issue_refuses_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASELOG_AUTH_DEV_KEYS_DIR", str(tmp_path))
    monkeypatch.setenv("CASELOG_ENVIRONMENT", "production")

    with pytest.raises(SystemExit) as exited:
        main(["token", "issue", "--role", "admin", "--sub", "intruder"])

    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "refused in production" in captured.err
    assert not (tmp_path / "dev-signing-key.pem").exists()  # no key made either
