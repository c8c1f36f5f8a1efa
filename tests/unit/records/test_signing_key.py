"""The checkpoint signing key from settings: given, from a file, generated once in development,
and refused when missing in production; errors never quote the key."""

from pathlib import Path

import pytest

from services.records.adapters.signing_key import load_signer
from services.records.domain.errors import SigningKeyError
from shared.merkle.keys import NoteSigner
from shared.settings import load_settings


def test_a_given_key_is_used(tmp_path: Path) -> None:
    signer = NoteSigner.generate("caselog.example/records")
    settings = load_settings(service_name="records", records_signing_key=signer.key_string())

    assert load_signer(settings).verifier == signer.verifier


def test_a_key_file_is_read(tmp_path: Path) -> None:
    signer = NoteSigner.generate("caselog.example/records")
    (tmp_path / "key").write_text(signer.key_string() + "\n")
    (tmp_path / "key").chmod(0o600)
    settings = load_settings(service_name="records", records_signing_key_file=tmp_path / "key")

    assert load_signer(settings).verifier == signer.verifier


def test_development_generates_one_key_once(tmp_path: Path) -> None:
    path = tmp_path / "data" / "records-signing.key"
    settings = load_settings(service_name="records", records_dev_signing_key_file=path)

    first, second = load_signer(settings), load_signer(settings)

    assert first.verifier == second.verifier
    assert first.name == "caselog.local/records"
    assert path.stat().st_mode & 0o777 == 0o600


def test_without_create_a_missing_development_key_is_an_error(tmp_path: Path) -> None:
    settings = load_settings(
        service_name="records", records_dev_signing_key_file=tmp_path / "none.key"
    )
    with pytest.raises(SigningKeyError, match="cannot read"):
        load_signer(settings, create=False)


def test_production_refuses_to_start_without_a_key() -> None:
    settings = load_settings(service_name="records", environment="production")
    with pytest.raises(SigningKeyError, match="CASELOG_RECORDS_SIGNING_KEY"):
        load_signer(settings)


def test_a_malformed_key_is_refused_without_quoting_it() -> None:
    secret = "PRIVATE+KEY+log+00000000+c2VjcmV0LXNlZWQ="
    settings = load_settings(service_name="records", records_signing_key=secret)

    with pytest.raises(SigningKeyError) as refused:
        load_signer(settings)
    assert "c2VjcmV0LXNlZWQ" not in str(refused.value)
