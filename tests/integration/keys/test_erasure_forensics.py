"""The forensic test of issue 13: after an erasure, the copies a real deployment keeps (SQLite
files with their -wal/-shm; pg_dump and a copy of PostgreSQL's data directory with pg_wal) are
searched byte by byte for wrapped data keys, and each one found is tried against every KEK
still in the keyring. Before the epoch close the erased subject's keys are found and open (so
the search looks in the right places); after it, nothing of the erased subject opens, while
every other subject still decrypts."""

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.codec import ERASED, FieldCodec
from shared.crypto.data_key import DataKey
from shared.crypto.errors import CryptoError
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.grants import reader_for
from shared.crypto.key_store import KeyStore
from shared.crypto.tables import CryptoTables, create_tables, crypto_tables
from shared.database import engine_for_url
from shared.ids import new_event_id
from tests.e2e.broker import free_port
from tests.support.infra import POSTGRES_SCRIPT, run_script
from tests.unavailable import missing_infrastructure
from tests.unit.shared.crypto.models import Consultation, Customer

# Two cases of the erased subject; the others' cases must survive everything.
CASES = {
    "case-erased-1": "erased",
    "case-erased-2": "erased",
    "case-kept-1": "kept-a",
    "case-kept-2": "kept-a",
    "case-kept-3": "kept-b",
}
ERASED_CASES = [case for case, subject in CASES.items() if subject == "erased"]
Copies = dict[str, bytes]


@dataclass
class Planted:
    sealed: dict[str, tuple[str, dict[str, object]]]  # case -> (event id, payload)
    wrapped: dict[str, bytes]  # case -> its wrapped key as stored in epoch 1
    kids: dict[str, str]  # case -> its key id (stored beside the wrapped key)


class RecoveredKeys:
    """An attacker's key source: the DEKs unwrapped from the copies."""

    def __init__(self, keys: dict[str, DataKey]) -> None:
        self._keys = keys

    async def get(self, case_id: str) -> DataKey | None:
        return self._keys.get(case_id)

    async def create_or_get(self, case_id: str) -> DataKey:
        raise AssertionError("an attacker only reads")


def _consultation(subject: str) -> Consultation:
    return Consultation(
        channel="email",
        customer=Customer(name=f"鰐淵 {subject}", email=f"{subject}@example.jp", phone=None),
        body=f"Confidential complaint of {subject}.",
    )


async def _plant(store: KeyStore, engine: AsyncEngine, tables: CryptoTables) -> Planted:
    codec, sealed = FieldCodec(store), {}
    for case_id, subject in CASES.items():
        event_id = str(new_event_id())
        payload = await codec.encrypt(_consultation(subject), case_id=case_id, event_id=event_id)
        sealed[case_id] = (event_id, payload)
    async with engine.connect() as connection:
        rows = (await connection.execute(select(tables.data_keys))).all()
    return Planted(
        sealed,
        {row.case_id: bytes(row.wrapped) for row in rows},
        {row.case_id: row.kid for row in rows},
    )


def _residues(copies: Copies, blobs: dict[str, bytes]) -> dict[str, list[str]]:
    """Per case, the copies its wrapped key is in (raw, or as hex text as pg_dump writes)."""
    found: dict[str, list[str]] = {}
    for case_id, blob in blobs.items():
        forms = (blob, blob.hex().encode())
        places = [name for name, data in copies.items() if any(f in data for f in forms)]
        if places:
            found[case_id] = places
    return found


async def _open_with_every_kek(folder: Path, blob: bytes) -> bytes | None:
    """The DEK, if any KEK still in the keyring unwraps `blob`."""
    keyring = FileKeyring(folder)
    for kek_id in _keks_left(folder):
        try:
            return await keyring.unwrap(kek_id, blob)
        except CryptoError:
            continue
    return None


def _keks_left(folder: Path) -> list[str]:
    return [key_file.stem for key_file in sorted(folder.glob("kek-*.key"))]


async def _decrypted(keys: object, planted: Planted, case_id: str) -> dict[str, object]:
    event_id, payload = planted.sealed[case_id]
    codec = FieldCodec(keys)  # type: ignore[arg-type]
    return await codec.decrypt(
        payload, Consultation, case_id=case_id, event_id=event_id, reader=reader_for("privacy")
    )


async def _forensic_run(
    engine: AsyncEngine, folder: Path, take_copies: Callable[[str], Copies]
) -> dict[str, list[str]]:
    """The whole story on one key store; where the erased keys were found after the erasure
    (each case: the copies taken after it that still held its wrapped key)."""
    tables = crypto_tables()
    await create_tables(engine, tables)
    store = KeyStore(engine, tables, FileKeyring(folder))
    planted = await _plant(store, engine, tables)
    erased_blobs = {case: planted.wrapped[case] for case in ERASED_CASES}
    taken = {"before-erasure": take_copies("before-erasure")}

    # Erase the subject the way privacy does: its cases' keys destroyed in one batch.
    await store.destroy_many(ERASED_CASES, actor="privacy", reason="erasure ER-forensic")
    taken["after-erasure"] = take_copies("after-erasure")

    every_copy = {f"{when}/{name}": data for when, c in taken.items() for name, data in c.items()}
    residues = _residues(every_copy, erased_blobs)
    assert set(residues) == set(ERASED_CASES), "the search must find the erased keys"
    recovered: dict[str, bytes] = {}
    for case_id in residues:
        material = await _open_with_every_kek(folder, erased_blobs[case_id])
        assert material is not None, "before the close, a leftover copy still unwraps"
        recovered[case_id] = material
    # ... and really opens the erased subject's data: the threat the epoch close answers.
    attacker = RecoveredKeys(
        {case: DataKey(planted.kids[case], key) for case, key in recovered.items()}
    )
    leaked = await _decrypted(attacker, planted, ERASED_CASES[0])
    assert leaked["body"] == "Confidential complaint of erased."

    closure = await store.close_epoch(holder="forensic", batch_size=2)
    assert closure is not None
    taken["after-close"] = take_copies("after-close")

    every_copy = {f"{when}/{name}": data for when, c in taken.items() for name, data in c.items()}
    async with engine.connect() as connection:
        rows = await connection.execute(select(tables.data_keys))
        now_wrapped = {f"{row.case_id}@2": bytes(row.wrapped) for row in rows if row.wrapped}
    # Every wrapped key ever stored (epoch 1 and 2), wherever a copy holds one.
    every_blob = {**planted.wrapped, **now_wrapped}
    opened = {}
    for case_id in _residues(every_copy, every_blob):
        material = await _open_with_every_kek(folder, every_blob[case_id])
        if material is not None:
            opened[case_id] = material
    assert [case for case, material in opened.items() if material in recovered.values()] == []
    assert {case.removesuffix("@2") for case in opened} == set(CASES) - set(ERASED_CASES)
    fresh = KeyStore(engine, tables, FileKeyring(folder))
    for case_id, subject in CASES.items():
        clear = await _decrypted(fresh, planted, case_id)
        expected = ERASED if subject == "erased" else f"Confidential complaint of {subject}."
        assert clear["body"] == expected
    return _residues(taken["after-erasure"], erased_blobs)


async def test_sqlite_copies_of_an_erased_key_are_useless_after_the_epoch_close(
    tmp_path: Path,
) -> None:
    database = tmp_path / "data" / "keys.sqlite3"
    engine = engine_for_url(f"sqlite+aiosqlite:///{database}")

    def copies(_when: str) -> Copies:
        return {path.name: path.read_bytes() for path in sorted(database.parent.glob("keys.*"))}

    try:
        left_after_erasure = await _forensic_run(engine, tmp_path / "keyring", copies)
    finally:
        await engine.dispose()
    # SQLite's own leftovers are gone at once: the erasure checkpointed and truncated the
    # WAL; only the backup taken before it held the keys.
    assert left_after_erasure == {}


@dataclass(frozen=True, slots=True)
class OwnPostgres:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://caselog@127.0.0.1:{self.port}/caselog"

    def script(self, command: str) -> None:
        environment = {"POSTGRES_RUN_DIR": str(self.folder), "PGPORT": str(self.port)}
        run_script(POSTGRES_SCRIPT, 180, command, environment)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL server of this test's own (its data directory is copied while it runs)."""
    if shutil.which("pg_dump") is None and not list(Path("/usr/lib/postgresql").glob("*/bin")):
        missing_infrastructure("PostgreSQL server binaries are not installed")
    # Under /tmp, not pytest's 0700 folder: the server may run as the 'postgres' user.
    server = OwnPostgres(Path(tempfile.mkdtemp(prefix="caselog-forensic-pg-")), free_port())
    try:
        server.script("start")
        yield server
    finally:
        server.script("destroy")
        shutil.rmtree(server.folder, ignore_errors=True)


def _pg_tool(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else name


async def test_postgres_dumps_and_data_directories_of_an_erased_key_are_useless_after_the_close(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    engine = engine_for_url(own_postgres.url)
    data = own_postgres.folder / "data"

    def copies(when: str) -> Copies:
        dump = subprocess.run(
            [_pg_tool("pg_dump"), "-h127.0.0.1", f"-p{own_postgres.port}", "-Ucaselog", "caselog"],
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
        copy = tmp_path / f"data-{when}"
        shutil.copytree(data, copy, ignore=shutil.ignore_patterns("postmaster.pid"))
        files = {
            f"data/{path.relative_to(copy)}": path.read_bytes()
            for path in sorted(copy.rglob("*"))
            if path.is_file()
        }
        return {"pg_dump.sql": dump, **files}

    try:
        left_after_erasure = await _forensic_run(engine, tmp_path / "keyring", copies)
    finally:
        await engine.dispose()
    # What no erasure can remove on PostgreSQL (VACUUM or not): the old row versions in the
    # write-ahead log, which the data directory's copy (a base backup) carries.
    assert set(left_after_erasure) == set(ERASED_CASES)
    for places in left_after_erasure.values():
        assert any("pg_wal" in place for place in places)
