"""The subject index: HMAC(pepper, normalized identity) -> random subject_id, and forgetting it."""

import hashlib
import hmac
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.crypto.errors import KeyMaterialError
from shared.crypto.identities import IdentityKey
from shared.crypto.secret import REDACTED, SecretBytes
from shared.crypto.tables import CryptoTables, insert_all_unless_present

MIN_PEPPER_BYTES = 32


class SubjectIndex:
    """Maps identities to pseudonymous subject ids; stores digests only, never identities.

    Deleting a subject's rows makes its events unlinkable to the person: the subject_id
    is random, so nothing else leads back from it.
    """

    def __init__(self, engine: AsyncEngine, tables: CryptoTables, pepper: SecretBytes) -> None:
        if len(pepper) < MIN_PEPPER_BYTES:
            raise KeyMaterialError(f"the subject pepper must be at least {MIN_PEPPER_BYTES} bytes")
        self._engine = engine
        self._table = tables.subjects
        self._pepper = pepper
        self._by_digests = select(self._table.c.digest, self._table.c.subject_id).where(
            self._table.c.digest.in_(bindparam("digests", expanding=True))
        )

    async def resolve(self, identity: IdentityKey, *more: IdentityKey) -> str:
        """The subject of the first identity known, else a new one; links every identity
        given to it. Concurrent callers with the same identity get the same subject."""
        async with self._engine.begin() as connection:
            return await self.resolve_within(connection, identity, *more)

    async def resolve_within(
        self, connection: AsyncConnection, identity: IdentityKey, *more: IdentityKey
    ) -> str:
        """`resolve` inside the caller's transaction on the key-store database: its links
        are kept only if that transaction commits."""
        digests = [self._digest(each) for each in (identity, *more)]
        known = await self._subjects(connection, digests)
        subject_id = next((known[d] for d in digests if d in known), None) or uuid4().hex
        new = [d for d in digests if d not in known]
        if not new:
            return subject_id
        now = datetime.now(UTC)
        rows = [{"digest": d, "subject_id": subject_id, "created_at": now} for d in new]
        linked = await insert_all_unless_present(connection, self._table, rows)
        first = digests[0]
        if first in new and first not in linked:
            # A concurrent caller linked the first identity meanwhile (the insert waited for
            # it to commit): adopt its subject, and link the others given here to it too.
            subject_id = (await self._subjects(connection, [first]))[first]
            if linked:
                await connection.execute(
                    update(self._table)
                    .where(self._table.c.digest.in_(linked))
                    .values(subject_id=subject_id)
                )
        return subject_id

    async def lookup(self, identity: IdentityKey) -> str | None:
        """The subject of this identity, or None if it is unknown (or was forgotten)."""
        digest = self._digest(identity)
        async with self._engine.connect() as connection:
            return (await self._subjects(connection, [digest])).get(digest)

    async def forget(self, subject_id: str) -> int:
        """Delete every identity linked to the subject; returns how many were removed."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(self._table).where(self._table.c.subject_id == subject_id)
            )
        return int(result.rowcount)

    async def _subjects(
        self, connection: AsyncConnection, digests: list[bytes]
    ) -> dict[bytes, str]:
        rows = await connection.execute(self._by_digests, {"digests": digests})
        return {bytes(row.digest): row.subject_id for row in rows}

    def _digest(self, identity: IdentityKey) -> bytes:
        return hmac.new(self._pepper.reveal(), identity.canonical(), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"SubjectIndex(table={self._table.name!r}, pepper={REDACTED})"
