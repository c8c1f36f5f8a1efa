"""The subject index: HMAC(pepper, normalized identity) -> random subject_id, and forgetting it."""

import hashlib
import hmac
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.errors import KeyMaterialError
from shared.crypto.identities import IdentityKey
from shared.crypto.secret import REDACTED, SecretBytes
from shared.crypto.tables import CryptoTables, insert_unless_present

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

    async def resolve(self, identity: IdentityKey, *more: IdentityKey) -> str:
        """The subject of the first identity known, else a new one; links every identity
        given to it. Concurrent callers with the same identity get the same subject."""
        identities = (identity, *more)
        known = [subject for i in identities if (subject := await self.lookup(i)) is not None]
        candidate = known[0] if known else uuid4().hex
        subject_id = candidate
        for position, each in enumerate(identities):
            row = {"digest": self._digest(each), "subject_id": subject_id}
            async with self._engine.begin() as connection:
                await insert_unless_present(
                    connection, self._table, {**row, "created_at": datetime.now(UTC)}
                )
            if position == 0:
                # A concurrent caller may have won the race: adopt its subject, so the
                # remaining identities get linked to the same one.
                subject_id = await self.lookup(each) or candidate
        return subject_id

    async def lookup(self, identity: IdentityKey) -> str | None:
        """The subject of this identity, or None if it is unknown (or was forgotten)."""
        statement = select(self._table.c.subject_id).where(
            self._table.c.digest == self._digest(identity)
        )
        async with self._engine.connect() as connection:
            subject_id: str | None = await connection.scalar(statement)
        return subject_id

    async def forget(self, subject_id: str) -> int:
        """Delete every identity linked to the subject; returns how many were removed."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(self._table).where(self._table.c.subject_id == subject_id)
            )
        return int(result.rowcount)

    def _digest(self, identity: IdentityKey) -> bytes:
        return hmac.new(self._pepper.reveal(), identity.canonical(), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"SubjectIndex(table={self._table.name!r}, pepper={REDACTED})"
