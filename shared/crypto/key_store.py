"""The per-case DEK store: create-or-get, cached reads, and destruction (crypto-shredding)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.crypto.data_key import DataKey, new_key_id, new_key_material
from shared.crypto.kek import KeyEncryptionKey
from shared.crypto.key_cache import KeyCache
from shared.crypto.key_rows import key_row, new_key_row, unwrapped_key
from shared.crypto.tables import CryptoTables, insert_unless_present
from shared.crypto.tombstones import (
    Tombstone,
    check_destroy_audit,
    read_tombstones,
    shred_within,
    tombstone_from_row,
)

__all__ = ["KeyStore", "Tombstone"]


class KeyStore:
    """DEKs wrapped by a KEK in the database, unwrapped ones in a small in-process cache.

    A key destroyed by another process stays usable here until its cache entry
    expires, so the cache TTL bounds how late a shred takes effect everywhere.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        tables: CryptoTables,
        kek: KeyEncryptionKey,
        *,
        cache_size: int = 10_000,
        cache_ttl_s: float = 60.0,
    ) -> None:
        self._engine = engine
        self._table = tables.data_keys
        self._kek = kek
        self._cache = KeyCache(size=cache_size, ttl_s=cache_ttl_s)

    async def create_or_get(self, case_id: str) -> DataKey:
        """The case's DEK, created on first use; concurrent creators all get the same one."""
        if (key := self._cache.get(case_id)) is not None:
            return key
        generation = self._cache.generation
        async with self._engine.begin() as connection:
            row = await key_row(connection, self._table, case_id)
            key = await (
                unwrapped_key(self._kek, case_id, row)
                if row is not None
                else self.create_within(connection, case_id)
            )
        self._cache.remember(case_id, key, generation)
        return key

    async def create_within(self, connection: AsyncConnection, case_id: str) -> DataKey:
        """The DEK of a case the caller has just opened, created in the caller's transaction
        on the key-store database: if that transaction rolls back, no key was ever stored.

        Tries the insert first (one statement for a new case); a case that already has a
        key, or a tombstone, gets that one (or KeyDestroyedError). Not cached: the caller's
        transaction has not committed yet.
        """
        material, kid = new_key_material(), new_key_id()
        row = await new_key_row(self._kek, case_id, kid, material)
        if await insert_unless_present(connection, self._table, row):
            return DataKey(kid, material)
        return await unwrapped_key(
            self._kek, case_id, await key_row(connection, self._table, case_id)
        )

    async def get(self, case_id: str) -> DataKey:
        """The case's DEK; KeyDestroyedError after shredding, KeyNotFoundError if never made."""
        if (key := self._cache.get(case_id)) is not None:
            return key
        generation = self._cache.generation
        async with self._engine.connect() as connection:
            row = await key_row(connection, self._table, case_id)
        key = await unwrapped_key(self._kek, case_id, row)
        self._cache.remember(case_id, key, generation)
        return key

    async def destroy(self, case_id: str, *, actor: str, reason: str) -> Tombstone:
        """Shred the case's DEK; idempotent, and a case that never had one can get none later.

        `reason` is kept for audit: a matter or request reference, never personal data.
        """
        [tombstone] = await self.destroy_many([case_id], actor=actor, reason=reason)
        return tombstone

    async def destroy_many(
        self, case_ids: Sequence[str], *, actor: str, reason: str
    ) -> list[Tombstone]:
        """`destroy` for several cases in one transaction: every key is gone, or none is.

        The tombstones come back in the order of `case_ids` (a repeated id counts once).
        """
        check_destroy_audit(actor, reason)
        wanted = list(dict.fromkeys(case_ids))
        if not wanted:
            return []
        self._cache.evict_all(wanted)
        async with self._engine.begin() as connection:
            rows = await shred_within(connection, self._table, wanted, actor=actor, reason=reason)
        # Again after commit: a read that began during the transaction saw the old rows.
        self._cache.evict_all(wanted)
        # Inserted or updated in that transaction: every case has its row.
        return [tombstone_from_row(rows[case_id]) for case_id in wanted]

    async def tombstone(self, case_id: str) -> Tombstone | None:
        """The record of the case's key destruction, if it was destroyed."""
        return (await self.tombstones([case_id]))[case_id]

    async def tombstones(self, case_ids: Sequence[str]) -> dict[str, Tombstone | None]:
        """`tombstone` of several cases, read together; None for a case not destroyed."""
        return await read_tombstones(self._engine, self._table, list(dict.fromkeys(case_ids)))

    async def evict_destroyed(self, case_ids: Sequence[str]) -> frozenset[str]:
        """The cases among `case_ids` whose keys are destroyed, by the database's word now
        (one read, never the cache), each dropped from this process's cache.

        Call it before decrypting: a key another process destroyed (privacy's erasure) stays
        cached here until its event arrives, and a reader that starts after the destroy
        committed must not use it. Any read in flight that fetched the key before this call
        cannot cache it again (the eviction bumps the cache's generation).
        """
        tombstones = await self.tombstones(case_ids)
        destroyed = frozenset(case for case, tombstone in tombstones.items() if tombstone)
        if destroyed:
            self._cache.evict_all(list(destroyed))
        return destroyed

    def evict(self, case_id: str) -> None:
        """Drop the case's key from this process's cache: another process destroyed it
        (its event arrived here), so it must not stay usable until the cache expires."""
        self._cache.evict_all([case_id])

    def __repr__(self) -> str:
        return f"KeyStore(table={self._table.name!r}, kek={self._kek!r})"
