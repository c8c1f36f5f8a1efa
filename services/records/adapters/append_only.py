"""The database's own refusal to change the log: triggers on both dialects, grants on PostgreSQL.

Triggers stop the service (and anyone without the right to drop them) from rewriting rows.
On PostgreSQL the service also runs as a role granted only SELECT and INSERT, so even with
the triggers disabled by a superuser that role cannot UPDATE, DELETE or TRUNCATE. The tables
are created and owned by a migration role (the owner may alter them, so it must not be the
service's). SQLite has no roles: there, the file's permissions are the second line; and
since SQLite's REPLACE conflict resolution deletes without firing DELETE triggers, an insert
over a stored row is refused by a trigger of its own.
"""

import re

from sqlalchemy import Column, Table, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.tables import RecordsTables
from services.records.domain.errors import RecordsError

REFUSAL = "the records log is append-only"
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


async def create_schema(engine: AsyncEngine, tables: RecordsTables) -> None:
    """Creates the missing tables and (re)installs their guards; safe to run at every start."""
    async with engine.begin() as connection:
        await connection.run_sync(tables.metadata.create_all)
        for statement in guard_statements(connection.dialect.name, tables):
            await connection.exec_driver_sql(statement)


def guard_statements(dialect: str, tables: RecordsTables) -> list[str]:
    """DDL for triggers that refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) on every table,
    and on SQLite an INSERT over a stored row."""
    names = [table.name for table in tables.all]
    if dialect == "sqlite":
        # SQLite has no TRUNCATE; `DELETE FROM t` is refused too, since triggers disable
        # its truncate optimisation.
        return [
            *(
                f"CREATE TRIGGER IF NOT EXISTS {name}_no_{op.lower()} BEFORE {op} ON {name} "
                f"BEGIN SELECT RAISE(ABORT, '{op} on {name}: {REFUSAL}'); END"
                for name in names
                for op in ("UPDATE", "DELETE")
            ),
            *(_sqlite_no_replace(table) for table in tables.all),
        ]
    if dialect == "postgresql":
        function = f"{tables.prefix}records_refuse_change"
        # Statement-level, so a statement is refused even when it matches no row.
        return [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '% on %: {REFUSAL}', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege'; END $$",
            *(
                f"CREATE OR REPLACE TRIGGER {name}_append_only "
                f"BEFORE UPDATE OR DELETE OR TRUNCATE ON {name} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                for name in names
            ),
        ]
    raise RecordsError(f"the records store does not support the {dialect} dialect")


def _sqlite_no_replace(table: Table) -> str:
    """`INSERT OR REPLACE` (and an UPSERT's conflict resolution) deletes the stored row it
    clashes with without firing DELETE triggers (unless a connection sets recursive_triggers,
    which a writer of its own would not): so an insert whose key, or any unique column set,
    is already stored is refused before it runs. A plain duplicate insert fails as before, as
    an IntegrityError (RAISE(ABORT) is a constraint failure)."""
    keys = [tuple(table.primary_key.columns)] + [
        tuple(constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    # One EXISTS per key, so each probe walks that key's index. Only our own table and column
    # names go into the text (records_tables allows plain lower-case prefixes only).
    clashes = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table.name} WHERE {_same(key)})"  # noqa: S608
        for key in keys
    )
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table.name}_no_replace BEFORE INSERT ON {table.name} "
        f"WHEN {clashes} "
        f"BEGIN SELECT RAISE(ABORT, 'INSERT over a stored row of {table.name}: {REFUSAL}'); END"
    )


def _same(key: tuple[Column[object], ...]) -> str:
    return " AND ".join(f"{column.name} = NEW.{column.name}" for column in key)


def grant_statements(tables: RecordsTables, role: str) -> list[str]:
    """PostgreSQL: leave `role` (the service's login role) SELECT and INSERT, nothing else.

    Creating the role needs CREATEROLE, which the service never has: a DBA runs
    `CREATE ROLE <role> LOGIN` once; the tables' owner then runs these statements.
    """
    if not _ROLE.fullmatch(role):
        raise RecordsError("a role name is lower-case letters, digits and underscores")
    statements: list[str] = []
    for table in tables.all:
        statements += [
            f"REVOKE ALL ON TABLE {table.name} FROM PUBLIC",
            f'REVOKE ALL ON TABLE {table.name} FROM "{role}"',
            f'GRANT SELECT, INSERT ON TABLE {table.name} TO "{role}"',
        ]
    return statements


async def grant_service_role(engine: AsyncEngine, tables: RecordsTables, role: str) -> None:
    """Runs `grant_statements` as the tables' owner (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        raise RecordsError("only PostgreSQL has roles to grant")
    async with engine.begin() as connection:
        for statement in grant_statements(tables, role):
            await connection.exec_driver_sql(statement)
