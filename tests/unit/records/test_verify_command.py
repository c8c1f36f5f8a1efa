"""`caselog verify` as a user runs it: a bundle a forger made with a key of their own is
self-consistent, so without a trusted key the command must not exit 0, and must say that only
self-consistency was checked; with the log's key the forgery fails."""

from pathlib import Path

import pytest

from services.records.domain.events import StoredEvent
from services.runtime.cli import main
from shared.bundle.format import encode_bundle
from shared.merkle.keys import NoteSigner
from tests.unit.records.bundles import ORIGIN, bundle_of


@pytest.fixture
def forged(rows: list[StoredEvent], tmp_path: Path) -> Path:
    """A whole log made up by a forger and signed with the forger's key, under our origin."""
    path = tmp_path / "forged.json"
    path.write_bytes(encode_bundle(bundle_of(rows, "case-1", NoteSigner.generate(ORIGIN))))
    return path


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int | str | None, str]:
    with pytest.raises(SystemExit) as exited:
        main(["verify", *args])
    return exited.value.code, capsys.readouterr().out


def test_a_forged_bundle_without_a_trusted_key_is_not_a_success(
    forged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = _verify(capsys, str(forged))

    assert status == 3
    assert out.startswith("SELF-CONSISTENT ONLY")
    assert "only self-consistency was checked" in out
    assert "verified:" not in out


def test_a_forged_bundle_fails_against_the_log_key(
    forged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_key = NoteSigner.generate(ORIGIN).verifier.key_string()

    status, out = _verify(capsys, str(forged), "--key", log_key)

    assert status == 1
    assert out.startswith("FAILED: checkpoint")


def test_a_genuine_bundle_verifies_against_the_log_key(
    rows: list[StoredEvent], signer: NoteSigner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(encode_bundle(bundle_of(rows, "case-1", signer)))

    status, out = _verify(capsys, str(path), "--key", signer.verifier.key_string())

    assert status == 0
    assert out.startswith("verified: case case-1, 3 events")
