"""The subject index: HMAC(pepper, normalized identity) -> random subject_id, the links between
subjects found to be one person, and forgetting them."""

import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.crypto.errors import KeyMaterialError
from shared.crypto.identities import IdentityKey
from shared.crypto.secret import REDACTED, SecretBytes
from shared.crypto.tables import CryptoTables, insert_all_unless_present

MIN_PEPPER_BYTES = 32


@dataclass(frozen=True, slots=True)
class Resolution:
    """The subject identities resolve to, and the other subjects they showed to be the same
    person (now linked to it: empty unless this resolution linked them)."""

    subject_id: str
    linked: tuple[str, ...] = ()


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
        self._links = tables.subject_links
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
        return (await self.resolve_linking(connection, identity, *more)).subject_id

    async def resolve_linking(
        self, connection: AsyncConnection, identity: IdentityKey, *more: IdentityKey
    ) -> Resolution:
        """`resolve_within`, saying which subjects it linked. When the identities given lead
        to different subjects (a phone-only consultation, then an e-mail-only one, then one
        with both), they are one person: the subject of the first identity known is kept,
        every identity of the others is re-pointed to it, and each other is linked to it, so
        any one identity finds, and an erasure by any one erases, the whole linked set."""
        digests = [self._digest(each) for each in (identity, *more)]
        known = await self._subjects(connection, digests)
        subject_id = next((known[d] for d in digests if d in known), None) or uuid4().hex
        linked = tuple(dict.fromkeys(s for s in known.values() if s != subject_id))
        if linked:
            await self._link(connection, subject_id, linked)
        new = [d for d in digests if d not in known]
        if not new:
            return Resolution(subject_id, linked)
        now = datetime.now(UTC)
        rows = [{"digest": d, "subject_id": subject_id, "created_at": now} for d in new]
        inserted = await insert_all_unless_present(connection, self._table, rows)
        first = digests[0]
        if first in new and first not in inserted:
            # A concurrent caller linked the first identity meanwhile (the insert waited for
            # it to commit): adopt its subject, and link the others given here to it too.
            subject_id = (await self._subjects(connection, [first]))[first]
            if inserted:
                await connection.execute(
                    update(self._table)
                    .where(self._table.c.digest.in_(inserted))
                    .values(subject_id=subject_id)
                )
        return Resolution(subject_id, linked)

    async def linked_sets(self, subject_ids: Collection[str]) -> tuple[str, ...]:
        """The subjects given and every subject linked to them (in the order given, then the
        linked ones): all the pseudonyms one person's events may carry."""
        if not subject_ids:
            return ()
        ids = list(subject_ids)
        query = select(self._links.c.subject_id).where(self._links.c.linked_to.in_(ids))
        async with self._engine.connect() as connection:
            linked = list((await connection.execute(query)).scalars())
        return tuple(dict.fromkeys([*ids, *linked]))

    async def _link(self, connection: AsyncConnection, kept: str, others: tuple[str, ...]) -> None:
        """Every identity and every earlier link of `others` now names `kept`."""
        await connection.execute(
            update(self._table).where(self._table.c.subject_id.in_(others)).values(subject_id=kept)
        )
        await connection.execute(
            update(self._links).where(self._links.c.linked_to.in_(others)).values(linked_to=kept)
        )
        now = datetime.now(UTC)
        rows = [{"subject_id": other, "linked_to": kept, "linked_at": now} for other in others]
        await insert_all_unless_present(connection, self._links, rows)

    async def lookup(self, identity: IdentityKey) -> str | None:
        """The subject of this identity, or None if it is unknown (or was forgotten)."""
        digest = self._digest(identity)
        async with self._engine.connect() as connection:
            return (await self._subjects(connection, [digest])).get(digest)

    async def forget(self, subject_id: str) -> int:
        """Delete every identity linked to the subject, and its links to and from other
        subjects; returns how many identities were removed."""
        async with self._engine.begin() as connection:
            result = await connection.execute(
                delete(self._table).where(self._table.c.subject_id == subject_id)
            )
            links = self._links.c
            await connection.execute(
                delete(self._links).where(
                    or_(links.subject_id == subject_id, links.linked_to == subject_id)
                )
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
