"""The contract suites' database: every test runs on SQLite and on the real PostgreSQL server."""

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.file_keyring import FileKeyring
from shared.crypto.kek import AesKek
from shared.crypto.pkcs11_keyring import Pkcs11Keyring
from shared.crypto.secret import SecretBytes
from shared.crypto.tables import CryptoTables, create_tables, crypto_tables
from shared.database import create_engine
from shared.settings import load_settings
from tests.unavailable import missing_infrastructure

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN_LABEL, TOKEN_PIN = "caselog-test", "7291"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'crypto.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def tables() -> CryptoTables:
    # A prefix per test, so runs and tests sharing the PostgreSQL database never collide.
    return crypto_tables(prefix=f"t{uuid4().hex[:12]}_")


def _engine(url: str) -> AsyncEngine:
    return create_engine(load_settings(service_name="crypto-contract", database_url=url))


@pytest.fixture
async def engine(database_url: str, tables: CryptoTables) -> AsyncIterator[AsyncEngine]:
    engine = _engine(database_url)
    await create_tables(engine, tables)
    yield engine
    async with engine.begin() as connection:
        await connection.run_sync(tables.metadata.drop_all)
    await engine.dispose()


@pytest.fixture
async def other_engine(database_url: str, engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database: another process, as far as the store can tell."""
    other = _engine(database_url)
    yield other
    await other.dispose()


@pytest.fixture
def kek() -> AesKek:
    return AesKek(SecretBytes(os.urandom(32)))


@pytest.fixture
def keyring(tmp_path: Path) -> FileKeyring:
    """The key store's epoch keyring: a folder of key files (the PKCS#11 one passes the
    keyring contract suite alike)."""
    return FileKeyring(tmp_path / "keyring")


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A throwaway SoftHSM2 token (label TOKEN_LABEL, user PIN TOKEN_PIN) in a temporary
    token folder, found through SOFTHSM2_CONF; the module's path is yielded. One per test
    session: SoftHSM2 reads its configuration once, when the process first loads it (tests
    keep apart by their KEKs' random ids)."""
    util = shutil.which("softhsm2-util")
    if util is None or not SOFTHSM_MODULE.exists():
        missing_infrastructure("SoftHSM2 (softhsm2-util, libsofthsm2.so) is not installed")
    folder = tmp_path_factory.mktemp("softhsm")
    tokens = folder / "tokens"
    tokens.mkdir()
    config = folder / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)
    subprocess.run(
        [
            util,
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--pin",
            TOKEN_PIN,
            "--so-pin",
            "5678",
        ],
        check=True,
        capture_output=True,
    )
    yield SOFTHSM_MODULE
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def pkcs11_keyring(module: Path) -> Pkcs11Keyring:
    return Pkcs11Keyring(module, TOKEN_LABEL, SecretBytes(TOKEN_PIN.encode()))
