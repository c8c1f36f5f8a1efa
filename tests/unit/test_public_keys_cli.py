"""`caselog public-keys`: the log's and the receipts' verifier keys written to files, the same
the public log serves; kept when already there, never replaced by another key."""

from pathlib import Path

import pytest

from services.runtime.cli import main
from shared.merkle.keys import NoteSigner, NoteVerifier


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(["public-keys", *args])
    return int(exited.value.code or 0)


def test_both_keys_are_written_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # development: the signing keys are generated under ./data
    assert run() == 0
    folder = tmp_path / "data" / "public-keys"
    log_key = NoteVerifier.parse((folder / "records.vkey").read_text().strip())
    receipt_key = NoteVerifier.parse((folder / "privacy.vkey").read_text().strip())
    signer = NoteSigner.parse((tmp_path / "data" / "records-signing.key").read_text().strip())

    assert log_key == signer.verifier
    assert receipt_key.name == "caselog-privacy"
    assert run() == 0
    assert capsys.readouterr().out.count("kept ") == 2


def test_a_file_holding_another_key_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    other = NoteSigner.generate("caselog.local/records").verifier.key_string()
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "records.vkey").write_text(other + "\n")

    assert run("--out", "keys") == 1
    assert (tmp_path / "keys" / "records.vkey").read_text() == other + "\n"
    assert "FAILED: keys/records.vkey holds another key" in capsys.readouterr().out
    assert (tmp_path / "keys" / "privacy.vkey").exists()
