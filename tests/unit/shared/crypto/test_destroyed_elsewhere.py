"""A key destroyed by another process (privacy's erasure) stops being usable here as soon as a
reader asks the key store, not when this process's cache happens to expire."""

from pathlib import Path

import pytest

from shared.crypto.errors import KeyDestroyedError
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.key_store import KeyStore
from shared.crypto.tables import create_tables, crypto_tables
from shared.database import create_engine
from shared.settings import load_settings


async def test_asking_the_key_store_drops_a_key_destroyed_elsewhere(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}"
    keyring, tables = FileKeyring(tmp_path / "keyring"), crypto_tables()
    engines = [create_engine(load_settings(service_name=n, database_url=url)) for n in "ab"]
    reader, eraser = (KeyStore(engine, tables, keyring, cache_ttl_s=3600) for engine in engines)
    try:
        await create_tables(engines[0], tables)
        await reader.create_or_get("case-erased")
        await reader.create_or_get("case-kept")
        await eraser.destroy("case-erased", actor="privacy", reason="erasure ER-1")
        assert await reader.get("case-erased")  # the reader's cache still has it

        destroyed = await reader.evict_destroyed(["case-erased", "case-kept", "case-none"])

        assert destroyed == {"case-erased"}
        with pytest.raises(KeyDestroyedError):
            await reader.get("case-erased")
        assert await reader.get("case-kept")
    finally:
        for engine in engines:
            await engine.dispose()
