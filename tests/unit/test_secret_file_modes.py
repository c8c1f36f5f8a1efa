"""Secret files (issue 14, finding 19): `make up` writes its keys 0600 in a 0700 folder, and the
services refuse to start on a KEK, pepper or signing-key file readable by group or others."""

import base64
import os
import stat
from pathlib import Path

import pytest

from services.privacy.adapters.signing import load_receipt_signer
from services.records.adapters.signing_key import load_signer
from shared.bus.embedded import EmbeddedBus
from shared.crypto.runtime import build_personal_data
from shared.database import create_engine
from shared.merkle.keys import NoteSigner
from shared.secret_files import InsecureSecretFileError
from shared.settings import load_settings
from tests.unit.test_log_identity_of_make_up import make_up_secrets

SECRETS = (
    "kek.b64",
    "pepper.b64",
    "console-session.secret",
    "records-signing.key",
    "privacy-signing.key",
)


def test_make_up_writes_its_secrets_0600_in_a_0700_folder(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o755)
    (folder / "kek.b64").write_text(base64.b64encode(os.urandom(32)).decode())
    (folder / "kek.b64").chmod(0o644)  # as an earlier `make up` left it

    assert make_up_secrets(tmp_path) == folder

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    modes = {name: stat.S_IMODE((folder / name).stat().st_mode) for name in SECRETS}
    assert modes == dict.fromkeys(SECRETS, 0o600)


def _world_readable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o644)
    return path


@pytest.mark.parametrize("secret", ["kek_file", "pepper_file"])
def test_a_kek_or_pepper_file_readable_by_others_stops_start_up(
    tmp_path: Path, secret: str
) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    private = tmp_path / "private.b64"
    private.write_text(key)
    private.chmod(0o600)
    readable = _world_readable(tmp_path / "readable.b64", key)
    files = {"kek_file": private, "pepper_file": private} | {secret: readable}
    settings = load_settings(
        service_name="intake",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path}/keys.sqlite3",
        crypto={"kek_provider": "file", "pepper_source": "file", **files},
    )

    with pytest.raises(InsecureSecretFileError, match=r"readable by group or others.*chmod 600"):
        build_personal_data(settings)


def test_a_signing_key_file_readable_by_others_stops_records_and_privacy(tmp_path: Path) -> None:
    records_key = _world_readable(
        tmp_path / "records.key", NoteSigner.generate("caselog.test/records").key_string()
    )
    privacy_key = _world_readable(
        tmp_path / "privacy.key", NoteSigner.generate("caselog.test/privacy").key_string()
    )
    settings = load_settings(
        service_name="records",
        records_signing_key_file=records_key,
        records_origin="caselog.test/records",  # the log's key is named by its origin
        privacy_signing_key_file=privacy_key,
    )

    with pytest.raises(InsecureSecretFileError, match=r"records\.key"):
        load_signer(settings)
    with pytest.raises(InsecureSecretFileError, match=r"privacy\.key"):
        load_receipt_signer(settings)
    records_key.chmod(0o600)
    privacy_key.chmod(0o600)
    assert load_signer(settings).key_string().startswith("PRIVATE+KEY+caselog.test/records")
    assert load_receipt_signer(settings)


async def test_sqlite_data_files_are_created_0600_in_a_0700_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = load_settings(
        service_name="records",
        database_url=f"sqlite+aiosqlite:///{data}/records.sqlite3",
        embedded_bus_path=data / "bus.sqlite3",
    )
    engine = create_engine(settings)
    bus = EmbeddedBus(settings.embedded_bus_path)
    try:
        async with engine.begin() as connection:  # WAL mode: -wal and -shm appear
            await connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            await connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        await bus.start()
        files = sorted(p.name for p in data.iterdir())
        assert {"records.sqlite3-wal", "bus.sqlite3"} <= set(files)
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        modes = {name: stat.S_IMODE((data / name).stat().st_mode) for name in files}
        assert modes == dict.fromkeys(files, 0o600)
    finally:
        await bus.close()
        await engine.dispose()
