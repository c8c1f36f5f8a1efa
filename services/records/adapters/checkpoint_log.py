"""The checkpoints table: signed tree heads, at most one per tree size, never changed; and the
witnesses' cosignatures, at most one per witness and size. A checkpoint is read with every
cosignature it has so far appended to its note (a note may carry many signature lines)."""

from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from services.records.adapters.appending import lock_writer
from services.records.adapters.reading import root
from services.records.adapters.rows import checkpoint_row, stored_checkpoint
from services.records.adapters.tables import RecordsTables
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.errors import CheckpointMismatchError


def add_checkpoint(
    connection: Connection, tables: RecordsTables, checkpoint: StoredCheckpoint
) -> StoredCheckpoint:
    """Keeps `checkpoint` unless its size has one already, which is then returned instead.

    Refuses a checkpoint whose root is not the stored tree's root at that size: the table
    only ever holds tree heads the log can prove.
    """
    lock_writer(connection, tables)
    existing = checkpoint_at(connection, tables, checkpoint.size)
    if existing is not None:
        return existing
    if root(connection, tables, checkpoint.size) != checkpoint.root_hash:
        raise CheckpointMismatchError(
            f"checkpoint at size {checkpoint.size} does not carry the log's root hash"
        )
    connection.execute(insert(tables.checkpoints).values(**checkpoint_row(checkpoint)))
    return checkpoint


def checkpoint_at(
    connection: Connection, tables: RecordsTables, size: int
) -> StoredCheckpoint | None:
    table = tables.checkpoints
    row = connection.execute(select(table).where(table.c.size == size)).first()
    return None if row is None else _cosigned(connection, tables, [stored_checkpoint(row)])[0]


def latest_checkpoint(connection: Connection, tables: RecordsTables) -> StoredCheckpoint | None:
    table = tables.checkpoints
    row = connection.execute(select(table).order_by(table.c.size.desc()).limit(1)).first()
    return None if row is None else _cosigned(connection, tables, [stored_checkpoint(row)])[0]


def all_checkpoints(connection: Connection, tables: RecordsTables) -> list[StoredCheckpoint]:
    table = tables.checkpoints
    rows = connection.execute(select(table).order_by(table.c.size))
    return _cosigned(connection, tables, [stored_checkpoint(row) for row in rows])


def add_cosignature(
    connection: Connection,
    tables: RecordsTables,
    size: int,
    witness: str,
    signature_line: str,
    received_at: datetime,
) -> None:
    """Keeps a witness's cosignature line of the checkpoint at `size`, unless it has one."""
    table = tables.cosignatures
    kept = connection.execute(
        select(table.c.size).where(table.c.size == size, table.c.witness == witness)
    ).first()
    if kept is None:
        connection.execute(
            insert(table).values(
                size=size, witness=witness, signature_line=signature_line, received_at=received_at
            )
        )


def witnessed_size(connection: Connection, tables: RecordsTables, witness: str) -> int | None:
    """The largest size `witness` cosigned, if any: where its next consistency proof starts."""
    table = tables.cosignatures
    found = connection.execute(
        select(func.max(table.c.size)).where(table.c.witness == witness)
    ).scalar()
    return None if found is None else int(found)


def cosigned_witnesses(connection: Connection, tables: RecordsTables, size: int) -> set[str]:
    table = tables.cosignatures
    return set(connection.execute(select(table.c.witness).where(table.c.size == size)).scalars())


def _cosigned(
    connection: Connection, tables: RecordsTables, checkpoints: list[StoredCheckpoint]
) -> list[StoredCheckpoint]:
    if not checkpoints:
        return checkpoints
    table = tables.cosignatures
    query = select(table.c.size, table.c.signature_line).order_by(table.c.size, table.c.witness)
    if len(checkpoints) == 1:
        query = query.where(table.c.size == checkpoints[0].size)
    rows = connection.execute(query)
    lines: dict[int, list[str]] = {}
    for row in rows:
        lines.setdefault(row.size, []).append(row.signature_line)
    return [
        replace(checkpoint, note=checkpoint.note + "".join(lines[checkpoint.size]))
        if checkpoint.size in lines
        else checkpoint
        for checkpoint in checkpoints
    ]
