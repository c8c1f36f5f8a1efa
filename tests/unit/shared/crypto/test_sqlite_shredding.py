"""On SQLite, a destroyed wrapped DEK is gone from the database file, not only from its rows."""

from pathlib import Path

from sqlalchemy import select

from shared.crypto.file_keyring import FileKeyring
from shared.crypto.key_store import KeyStore
from shared.crypto.tables import create_tables, crypto_tables
from shared.database import create_engine
from shared.settings import load_settings


async def test_destroyed_keys_leave_no_bytes_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "keys.sqlite3"
    engine = create_engine(
        load_settings(service_name="keys", database_url=f"sqlite+aiosqlite:///{path}")
    )
    tables = crypto_tables()
    store = KeyStore(engine, tables, FileKeyring(tmp_path / "keyring"))
    try:
        await create_tables(engine, tables)
        for number in range(100):
            await store.create_or_get(f"case-{number:03d}")
        async with engine.connect() as connection:
            rows = (await connection.execute(select(tables.data_keys))).all()
        wrapped = {row.case_id: bytes(row.wrapped) for row in rows}
        doomed = sorted(wrapped)[::5]
        for case_id in doomed:
            await store.destroy(case_id, actor="privacy", reason="erasure")
        # No checkpoint of our own: the store folds and truncates the WAL after each shred,
        # so no older frame holds a destroyed key (issue 13).
        data = _database_files(tmp_path)
        wal = (tmp_path / "keys.sqlite3-wal").stat().st_size
    finally:
        await engine.dispose()

    assert wal == 0
    assert [case_id for case_id in doomed if wrapped[case_id] in data] == []
    assert sum(wrapped[case_id] in data for case_id in wrapped if case_id not in doomed) == 80


def _database_files(folder: Path) -> bytes:
    """The database file with its -wal and -shm companions."""
    return b"".join(file.read_bytes() for file in sorted(folder.glob("keys.sqlite3*")))
