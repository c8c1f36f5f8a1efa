"""The receipt signing key: from settings or a file, generated once in development, required
in production, and never quoted when malformed."""

from pathlib import Path

import pytest

from services.privacy.adapters.signing import load_receipt_signer
from services.privacy.domain.errors import SigningKeyError
from shared.merkle.keys import NoteSigner
from shared.settings import load_settings


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    settings = load_settings(
        service_name="privacy",
        environment="production",
        privacy_dev_signing_key_file=tmp_path / "dev.key",
    )

    with pytest.raises(SigningKeyError, match="CASELOG_PRIVACY_SIGNING_KEY"):
        load_receipt_signer(settings)
    assert not (tmp_path / "dev.key").exists()


def test_a_key_from_settings_or_a_file_is_used(tmp_path: Path) -> None:
    signer = NoteSigner.generate("caselog-privacy")
    (tmp_path / "receipt.key").write_text(signer.key_string() + "\n")
    (tmp_path / "receipt.key").chmod(0o600)

    from_value = load_receipt_signer(
        load_settings(
            service_name="privacy",
            environment="production",
            privacy_signing_key=signer.key_string(),
        )
    )
    from_file = load_receipt_signer(
        load_settings(service_name="privacy", privacy_signing_key_file=tmp_path / "receipt.key")
    )

    assert from_value.verifier_key == from_file.verifier_key == signer.verifier.key_string()


def test_development_generates_one_key_and_keeps_it(tmp_path: Path) -> None:
    settings = load_settings(
        service_name="privacy", privacy_dev_signing_key_file=tmp_path / "dev" / "receipt.key"
    )

    first, again = load_receipt_signer(settings), load_receipt_signer(settings)

    assert first.verifier_key == again.verifier_key
    assert (tmp_path / "dev" / "receipt.key").stat().st_mode & 0o777 == 0o600


def test_a_malformed_key_is_named_by_its_source_only() -> None:
    secret = "PRIVATE+KEY+not-a-real-key"
    settings = load_settings(service_name="privacy", privacy_signing_key=secret)

    with pytest.raises(SigningKeyError) as refused:
        load_receipt_signer(settings)

    assert "privacy_signing_key" in str(refused.value)
    assert secret not in str(refused.value)
