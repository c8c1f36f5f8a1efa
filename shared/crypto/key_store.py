"""The per-case DEK store: create-or-get under the open key epoch, cached reads, destruction
(crypto-shredding) with the database's freed copies flushed, and closing key epochs."""

from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.crypto.data_key import DataKey, new_key_id, new_key_material
from shared.crypto.epoch_rows import (
    OPEN,
    epoch_in_state,
    insert_under_open_epoch,
    mark_announced,
    open_first_epoch,
    unannounced_closures,
)
from shared.crypto.epochs import Epoch, EpochClosure
from shared.crypto.errors import CryptoError, UnknownKekError
from shared.crypto.kek import EpochKeyring, Keyring
from shared.crypto.key_cache import KeyCache
from shared.crypto.key_rows import in_chunks, key_row, key_rows, new_key_row, unwrapped_key
from shared.crypto.rotation import BATCH_SIZE, close_epoch
from shared.crypto.shred_hygiene import flush_freed_copies
from shared.crypto.tables import CryptoTables
from shared.crypto.tombstones import (
    Tombstone,
    check_destroy_audit,
    read_tombstones,
    shred_within,
    tombstone_from_row,
)

__all__ = ["KeyStore", "Tombstone"]

DEFAULT_EPOCH_LENGTH = timedelta(hours=24)


class KeyStore:
    """DEKs wrapped under the KEK of the open key epoch in the database, unwrapped ones in a
    small in-process cache.

    A key destroyed by another process stays usable here until its cache entry expires (or
    its event evicts it), so the cache TTL bounds how late a shred takes effect everywhere.
    `fixed` holds the KEKs of keys stored before key epochs: they only unwrap, until the
    first epoch close has re-wrapped every such key.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        tables: CryptoTables,
        keyring: EpochKeyring,
        *,
        fixed: Keyring | None = None,
        epoch_length: timedelta = DEFAULT_EPOCH_LENGTH,
        cache_size: int = 10_000,
        cache_ttl_s: float = 60.0,
    ) -> None:
        self._engine = engine
        self._tables = tables
        self._table = tables.data_keys
        self._keyring = keyring
        self._fixed = fixed
        self._epoch_length = epoch_length
        self._cache = KeyCache(size=cache_size, ttl_s=cache_ttl_s)
        # The open epoch as last seen: a close elsewhere makes the next insert fail its
        # epoch check, and the store looks again.
        self._epoch: Epoch | None = None

    @property
    def keyring(self) -> EpochKeyring:
        return self._keyring

    async def create_or_get(self, case_id: str) -> DataKey:
        """The case's DEK, created on first use; concurrent creators all get the same one."""
        if (key := self._cache.get(case_id)) is not None:
            return key
        generation = self._cache.generation
        async with self._engine.begin() as connection:
            row = await key_row(connection, self._table, case_id)
            key = await (
                self._unwrapped(connection, case_id, row)
                if row is not None
                else self.create_within(connection, case_id)
            )
        self._cache.remember(case_id, key, generation)
        return key

    async def create_within(self, connection: AsyncConnection, case_id: str) -> DataKey:
        """The DEK of a case the caller has just opened, created in the caller's transaction
        on the key-store database: if that transaction rolls back, no key was ever stored.

        Tries the insert first (one statement for a new case); a case that already has a
        key, or a tombstone, gets that one (or KeyDestroyedError). A new key is wrapped under
        the open epoch's KEK and stored only if that epoch is still open when the row goes
        in, so a key made during a close is never left under the KEK the close destroys.
        Not cached: the caller's transaction has not committed yet.
        """
        material, kid = new_key_material(), new_key_id()
        for _ in range(3):
            epoch = self._epoch or await self._open_epoch(connection)
            try:
                row = await new_key_row(self._keyring, epoch, case_id, kid, material)
            except UnknownKekError:  # that epoch closed and its KEK is gone: look again
                self._epoch = None
                continue
            if await insert_under_open_epoch(connection, self._tables, row):
                return DataKey(kid, material)
            existing = await key_row(connection, self._table, case_id)
            if existing is not None:
                return await self._unwrapped(connection, case_id, existing)
            self._epoch = None  # closed since this process last looked: look again
        raise CryptoError(f"no open key epoch took the key of case {case_id}")

    async def get(self, case_id: str) -> DataKey:
        """The case's DEK; KeyDestroyedError after shredding, KeyNotFoundError if never made."""
        if (key := self._cache.get(case_id)) is not None:
            return key
        generation = self._cache.generation
        async with self._engine.connect() as connection:
            row = await key_row(connection, self._table, case_id)
            key = await self._unwrapped(connection, case_id, row)
        self._cache.remember(case_id, key, generation)
        return key

    async def prefetch(self, case_ids: Collection[str]) -> None:
        """Cache the keys of the cases not cached yet, read in one query per chunk: a batch's
        decryptions then find them (one read for the batch, not one per event). Cases without
        a key, or whose key was destroyed, are left for `get` to refuse."""
        missing = [case_id for case_id in dict.fromkeys(case_ids) if not self._cache.get(case_id)]
        if not missing:
            return
        generation = self._cache.generation
        async with self._engine.connect() as connection:
            for chunk in in_chunks(missing):
                rows = await key_rows(connection, self._table, chunk)
                for case_id, row in rows.items():
                    if row.destroyed_at is None:
                        key = await self._unwrapped(connection, case_id, row)
                        self._cache.remember(case_id, key, generation)

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
        After the commit the database is made to drop its freed copies of the wrapped keys
        (SQLite's WAL checkpointed and truncated, PostgreSQL's table vacuumed); copies
        elsewhere (backups, pg_wal, replicas) become useless at the epoch's close.
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
        await flush_freed_copies(self._engine, self._table)
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

    def holds_cached(self, case_id: str) -> bool:
        """Whether this process holds the case's unwrapped key in memory now (diagnostics)."""
        return self._cache.get(case_id) is not None

    def forget_cached_keys(self) -> None:
        """Drop every cached key and the epoch last seen (a key epoch closed): nothing
        unwrapped before the close stays in this process's memory."""
        self._cache.clear()
        self._epoch = None

    async def current_epoch(self) -> Epoch:
        """The open key epoch, read now (opened if the store has none yet)."""
        async with self._engine.begin() as connection:
            self._epoch = await self._open_epoch(connection)
        return self._epoch

    async def close_epoch(
        self, *, holder: str, if_open: int | None = None, batch_size: int = BATCH_SIZE
    ) -> EpochClosure | None:
        """Close the open key epoch: re-wrap every live key under a fresh KEK, then destroy
        the old KEK (see shared.crypto.rotation.close_epoch; `holder` names who closes, for
        the lease). EpochCloseInProgressError if another close is running."""
        closure = await close_epoch(
            self._engine,
            self._tables,
            self._keyring,
            self._unwrap,
            length=self._epoch_length,
            holder=holder,
            if_open=if_open,
            batch_size=batch_size,
        )
        self.forget_cached_keys()
        return closure

    async def unannounced_closures(self) -> list[EpochClosure]:
        """Closes whose event has not been published yet (a crash came between)."""
        return await unannounced_closures(self._engine, self._tables.epochs)

    async def mark_announced(self, closure: EpochClosure) -> None:
        await mark_announced(self._engine, self._tables.epochs, closure.closed.number)

    async def _open_epoch(self, connection: AsyncConnection) -> Epoch:
        epoch = await epoch_in_state(connection, self._tables.epochs, OPEN)
        if epoch is None:
            epoch = await open_first_epoch(
                connection, self._tables.epochs, self._keyring, self._epoch_length
            )
        self._epoch = epoch
        return epoch

    async def _unwrapped(self, connection: AsyncConnection, case_id: str, row: Any) -> DataKey:
        try:
            return await unwrapped_key(self._unwrap, case_id, row)
        except UnknownKekError:
            # A close re-wrapped the row after it was read and destroyed the KEK it named:
            # the row as it is now names the new one.
            fresh = await key_row(connection, self._table, case_id)
            return await unwrapped_key(self._unwrap, case_id, fresh)

    async def _unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        if self._fixed is not None and kek_id in self._fixed.kek_ids:
            return await self._fixed.unwrap(kek_id, wrapped)
        return await self._keyring.unwrap(kek_id, wrapped)

    def __repr__(self) -> str:
        return f"KeyStore(table={self._table.name!r}, keyring={self._keyring!r})"
