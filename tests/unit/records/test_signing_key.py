"""The log's identity from settings: the signing key given, from a file, generated once in
development, and refused when missing in production; the origin, which production must set to
one of its own, and which names the key; errors never quote the key."""

from pathlib import Path

import pytest

from services.records.adapters.log_identity import DEVELOPMENT_ORIGIN, load_signer, log_origin
from services.records.domain.errors import LogOriginError, SigningKeyError
from services.runtime.cli import main
from shared.merkle.keys import NoteSigner
from shared.settings import load_settings

ORIGIN = "caselog.example/records"


def test_a_given_key_is_used(tmp_path: Path) -> None:
    signer = NoteSigner.generate(ORIGIN)
    settings = load_settings(
        service_name="records", records_signing_key=signer.key_string(), records_origin=ORIGIN
    )

    assert load_signer(settings).verifier == signer.verifier


def test_a_key_file_is_read(tmp_path: Path) -> None:
    signer = NoteSigner.generate(ORIGIN)
    (tmp_path / "key").write_text(signer.key_string() + "\n")
    (tmp_path / "key").chmod(0o600)
    settings = load_settings(
        service_name="records", records_signing_key_file=tmp_path / "key", records_origin=ORIGIN
    )

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
    settings = load_settings(
        service_name="records", environment="production", records_origin=ORIGIN
    )
    with pytest.raises(SigningKeyError, match="CASELOG_RECORDS_SIGNING_KEY"):
        load_signer(settings)


def test_a_malformed_key_is_refused_without_quoting_it() -> None:
    secret = "PRIVATE+KEY+log+00000000+c2VjcmV0LXNlZWQ="
    settings = load_settings(service_name="records", records_signing_key=secret)

    with pytest.raises(SigningKeyError) as refused:
        load_signer(settings)
    assert "c2VjcmV0LXNlZWQ" not in str(refused.value)


@pytest.mark.parametrize("origin", [None, DEVELOPMENT_ORIGIN], ids=["unset", "the shared one"])
def test_production_refuses_to_start_without_an_origin_of_its_own(origin: str | None) -> None:
    signer = NoteSigner.generate(origin or DEVELOPMENT_ORIGIN)
    settings = load_settings(
        service_name="records",
        environment="production",
        records_signing_key=signer.key_string(),
        records_origin=origin,
    )

    with pytest.raises(LogOriginError, match="CASELOG_RECORDS_ORIGIN"):
        log_origin(settings)
    with pytest.raises(LogOriginError, match="CASELOG_RECORDS_ORIGIN"):
        load_signer(settings)


def test_the_key_must_be_named_by_the_origin() -> None:
    # The attack: `make up` signed with a key named caselog.local/records whatever the origin.
    signer = NoteSigner.generate(DEVELOPMENT_ORIGIN)
    for environment in ("development", "production"):
        settings = load_settings(
            service_name="records",
            environment=environment,
            records_signing_key=signer.key_string(),
            records_origin="records.example.co.jp/caselog",
        )
        with pytest.raises(SigningKeyError, match="named by the origin"):
            load_signer(settings)


def test_development_names_its_key_by_a_configured_origin(tmp_path: Path) -> None:
    settings = load_settings(
        service_name="records",
        records_dev_signing_key_file=tmp_path / "records-signing.key",
        records_origin="dev.example/records",
    )
    assert load_signer(settings).name == log_origin(settings) == "dev.example/records"


def test_log_key_prints_an_origin_and_a_key_named_by_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["log-key", "--origin", "records.example.co.jp/caselog"])
    printed = dict(
        line.split("=", 1) for line in capsys.readouterr().out.splitlines() if "=" in line
    )

    settings = load_settings(
        service_name="records",
        environment="production",
        records_origin=printed["CASELOG_RECORDS_ORIGIN"],
        records_signing_key=printed["CASELOG_RECORDS_SIGNING_KEY"],
    )
    assert load_signer(settings).name == "records.example.co.jp/caselog"
