"""The checkpoints table: signed tree heads, at most one per tree size, never changed."""

from sqlalchemy import insert, select
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
    return None if row is None else stored_checkpoint(row)


def latest_checkpoint(connection: Connection, tables: RecordsTables) -> StoredCheckpoint | None:
    table = tables.checkpoints
    row = connection.execute(select(table).order_by(table.c.size.desc()).limit(1)).first()
    return None if row is None else stored_checkpoint(row)


def all_checkpoints(connection: Connection, tables: RecordsTables) -> list[StoredCheckpoint]:
    table = tables.checkpoints
    rows = connection.execute(select(table).order_by(table.c.size))
    return [stored_checkpoint(row) for row in rows]
