"""Business-copy keys: each anonymized copy version sealed (AES-256-GCM) under a data key of
its own in the key store, in the slot `business-copy:<copy_id>:v<version>`.

Kept in the key store beside the case keys, so a business-copy key is wrapped under the KEK
of the current epoch and retired by every epoch close like a case key; destroying it leaves a
tombstone, and every stored, logged or backed-up byte of that version unreadable.

Also the start-up step for stores written before `case.anonymized` v2: the copies kept in
plaintext in `privacy_copies` are sealed into the sealed table, and the plaintext table dropped.
"""

import json

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.privacy.adapters.record_writes import copy_stored
from services.privacy.domain.copies import AnonymizedCopy, copy_digest
from services.privacy.service_layer.changes import CopyStored, SealedCopy
from services.privacy.service_layer.ports import CopySealer
from shared.crypto.ciphertext import FieldBinding, open_sealed, parse, seal
from shared.crypto.key_store import KeyStore
from shared.sql_types import as_utc

SLOT_PREFIX = "business-copy"
# Bound into the ciphertext: a sealed copy opens only as the version and copy it was.
_FIELD = "anonymized_copy"


def key_slot(copy_id: str, version: int) -> str:
    return f"{SLOT_PREFIX}:{copy_id}:v{version}"


class SealedCopies:
    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    async def seal(self, copy: AnonymizedCopy, version: int) -> SealedCopy:
        slot = key_slot(copy.copy_id, version)
        key = await self._keys.create_or_get(slot)
        plaintext = copy.model_dump_json().encode()
        sealed = seal(key, plaintext, _binding(slot, copy.copy_id))
        return SealedCopy(copy.copy_id, version, slot, copy_digest(copy), json.dumps(sealed))

    async def open(self, sealed: SealedCopy) -> AnonymizedCopy:
        key = await self._keys.get(sealed.key_slot)
        ciphertext = parse(json.loads(sealed.sealed), _FIELD)
        plaintext = open_sealed(key, ciphertext, _binding(sealed.key_slot, sealed.copy_id))
        return AnonymizedCopy.model_validate_json(plaintext)

    async def destroy(self, sealed: SealedCopy, *, actor: str, reason: str) -> None:
        await self._keys.destroy(sealed.key_slot, actor=actor, reason=reason)


def _binding(slot: str, copy_id: str) -> FieldBinding:
    return FieldBinding(case_id=slot, event_id=copy_id, path=_FIELD)


# Its own metadata: `create_tables` must never create it again.
plaintext_copies = Table(
    "privacy_copies",
    MetaData(),
    Column("copy_id", String(160), primary_key=True),
    Column("case_id", String(160), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False),
    Column("closure_reason", String(64), nullable=True),
    Column("document", Text, nullable=False),
)


async def seal_plaintext_copies(engine: AsyncEngine, sealer: CopySealer) -> int:
    """How many copies were moved (0 when there is no plaintext table). Safe to repeat after a
    crash: a copy's key slot gives back the same key, and a copy already moved is replaced by
    the same version."""
    async with engine.begin() as connection:
        name = plaintext_copies.name
        if not await connection.run_sync(lambda sync: inspect(sync).has_table(name)):
            return 0
        rows = (await connection.execute(select(plaintext_copies))).all()
        for row in rows:
            sealed = await sealer.seal(AnonymizedCopy.model_validate_json(row.document), version=1)
            closed_at = as_utc(row.closed_at)
            assert closed_at is not None  # a NOT NULL column
            change = CopyStored(row.case_id, sealed, closed_at, row.closure_reason)
            await copy_stored(connection, change)
        await connection.run_sync(lambda sync: plaintext_copies.drop(sync))
    return len(rows)
