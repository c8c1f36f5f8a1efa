"""The per-case DEK store: create-or-get, cached reads, and destruction (crypto-shredding)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cachetools import TTLCache
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.crypto.data_key import DataKey, new_key_id, new_key_material
from shared.crypto.errors import CryptoError, KeyDestroyedError, KeyNotFoundError
from shared.crypto.kek import KeyEncryptionKey
from shared.crypto.tables import CryptoTables, insert_all_unless_present, insert_unless_present

# The widths of the tombstone's columns (see tables.py).
_ACTOR_CHARS, _REASON_CHARS = 128, 512
# Cases per statement of a batch: under even an old SQLite's 999 bound parameters.
_CHUNK = 100


@dataclass(frozen=True, slots=True)
class Tombstone:
    """What remains of a destroyed key: which, whose, when, by whom and why."""

    kid: str
    case_id: str
    destroyed_at: datetime
    destroyed_by: str
    reason: str


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
        self._cache: TTLCache[str, DataKey] = TTLCache(maxsize=cache_size, ttl=cache_ttl_s)
        # Bumped by every destroy: a read that began before it must not cache its key.
        self._destroys = 0

    async def create_or_get(self, case_id: str) -> DataKey:
        """The case's DEK, created on first use; concurrent creators all get the same one."""
        if (key := self._cache.get(case_id)) is not None:
            return key
        destroys = self._destroys
        async with self._engine.begin() as connection:
            row = await self._row(connection, case_id)
            key = await (
                self._unwrapped(case_id, row)
                if row is not None
                else self.create_within(connection, case_id)
            )
        self._remember(case_id, key, destroys)
        return key

    async def create_within(self, connection: AsyncConnection, case_id: str) -> DataKey:
        """The DEK of a case the caller has just opened, created in the caller's transaction
        on the key-store database: if that transaction rolls back, no key was ever stored.

        Tries the insert first (one statement for a new case); a case that already has a
        key, or a tombstone, gets that one (or KeyDestroyedError). Not cached: the caller's
        transaction has not committed yet.
        """
        material, kid = new_key_material(), new_key_id()
        row = {
            "case_id": case_id,
            "kid": kid,
            "kek_id": self._kek.kek_id,
            "wrapped": await self._kek.wrap(material),
            "created_at": datetime.now(UTC),
        }
        if await insert_unless_present(connection, self._table, row):
            return DataKey(kid, material)
        return await self._unwrapped(case_id, await self._row(connection, case_id))

    async def get(self, case_id: str) -> DataKey:
        """The case's DEK; KeyDestroyedError after shredding, KeyNotFoundError if never made."""
        if (key := self._cache.get(case_id)) is not None:
            return key
        destroys = self._destroys
        async with self._engine.connect() as connection:
            row = await self._row(connection, case_id)
        key = await self._unwrapped(case_id, row)
        self._remember(case_id, key, destroys)
        return key

    async def _unwrapped(self, case_id: str, row: Any) -> DataKey:
        if row is None:
            raise KeyNotFoundError(f"no data key for case {case_id}")
        if row.destroyed_at is not None:
            raise KeyDestroyedError(f"data key {row.kid} of case {case_id} was destroyed")
        return DataKey(row.kid, await self._kek.unwrap(row.kek_id, row.wrapped))

    def _remember(self, case_id: str, key: DataKey, destroys: int) -> None:
        # A destroy since the read began must win: its key is not cached.
        if destroys == self._destroys:
            self._cache[case_id] = key

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
        if not 0 < len(actor) <= _ACTOR_CHARS or not 0 < len(reason) <= _REASON_CHARS:
            raise CryptoError(
                f"destroy needs an actor of 1-{_ACTOR_CHARS} and a reason of 1-{_REASON_CHARS}"
                " characters"
            )
        wanted = list(dict.fromkeys(case_ids))
        if not wanted:
            return []
        self._evict_all(wanted)
        now = datetime.now(UTC)
        tombstone = {"destroyed_at": now, "destroyed_by": actor, "destroy_reason": reason}
        rows: dict[str, Any] = {}
        async with self._engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # Have SQLite zero the freed bytes in its file, not merely unlink them.
                await connection.exec_driver_sql("PRAGMA secure_delete=ON")
            for chunk in _chunks(wanted):
                await insert_all_unless_present(
                    connection,
                    self._table,
                    [
                        {"case_id": case_id, "kid": new_key_id(), "created_at": now, **tombstone}
                        for case_id in chunk
                    ],
                )
                await connection.execute(
                    update(self._table)
                    .where(self._table.c.case_id.in_(chunk), self._table.c.destroyed_at.is_(None))
                    .values(kek_id=None, wrapped=None, **tombstone)
                )
                rows |= await self._rows(connection, chunk)
        # Again after commit: a read that began during the transaction saw the old rows.
        self._evict_all(wanted)
        # Inserted or updated just above, in the same transaction: every case has its row.
        return [_tombstone(rows[case_id]) for case_id in wanted]

    async def tombstone(self, case_id: str) -> Tombstone | None:
        """The record of the case's key destruction, if it was destroyed."""
        return (await self.tombstones([case_id]))[case_id]

    async def tombstones(self, case_ids: Sequence[str]) -> dict[str, Tombstone | None]:
        """`tombstone` of several cases, read together; None for a case not destroyed."""
        wanted = list(dict.fromkeys(case_ids))
        rows: dict[str, Any] = {}
        if wanted:
            async with self._engine.connect() as connection:
                for chunk in _chunks(wanted):
                    rows |= await self._rows(connection, chunk)
        return {
            case_id: None
            if (row := rows.get(case_id)) is None or row.destroyed_at is None
            else _tombstone(row)
            for case_id in wanted
        }

    def evict(self, case_id: str) -> None:
        """Drop the case's key from this process's cache: another process destroyed it
        (its event arrived here), so it must not stay usable until the cache expires."""
        self._evict(case_id)

    def _evict(self, case_id: str) -> None:
        self._evict_all([case_id])

    def _evict_all(self, case_ids: Sequence[str]) -> None:
        self._destroys += 1
        for case_id in case_ids:
            self._cache.pop(case_id, None)

    async def _row(self, connection: AsyncConnection, case_id: str) -> Any:
        statement = select(self._table).where(self._table.c.case_id == case_id)
        return (await connection.execute(statement)).one_or_none()

    async def _rows(self, connection: AsyncConnection, case_ids: Sequence[str]) -> dict[str, Any]:
        statement = select(self._table).where(self._table.c.case_id.in_(case_ids))
        return {row.case_id: row for row in await connection.execute(statement)}

    def __repr__(self) -> str:
        return f"KeyStore(table={self._table.name!r}, kek={self._kek!r})"


def _chunks(case_ids: list[str]) -> list[list[str]]:
    # Bounded statements: SQLite caps the bound parameters of one statement.
    return [case_ids[i : i + _CHUNK] for i in range(0, len(case_ids), _CHUNK)]


def _tombstone(row: Any) -> Tombstone:
    destroyed_at = row.destroyed_at
    if destroyed_at.tzinfo is None:  # SQLite drops the zone; every time here is UTC
        destroyed_at = destroyed_at.replace(tzinfo=UTC)
    return Tombstone(row.kid, row.case_id, destroyed_at, row.destroyed_by, row.destroy_reason)
