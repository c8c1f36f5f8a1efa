"""Start-up step for stores written before `case.anonymized` v2: the anonymized copies kept in
plaintext in `privacy_copies` are sealed under business-copy keys into the sealed table, and
the plaintext table is dropped. Safe to repeat after a crash: a copy's key slot gives back
the same key, and a copy already moved is replaced by the same version."""

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.privacy.adapters.record_writes import copy_stored
from services.privacy.domain.copies import AnonymizedCopy
from services.privacy.service_layer.changes import CopyStored
from services.privacy.service_layer.ports import CopySealer
from shared.sql_types import as_utc

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
    """How many copies were moved (0 when there is no plaintext table)."""
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
