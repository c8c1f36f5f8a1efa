"""What intake knows of policy's decisions, for the platform polling its cases: per case the
latest decision's outcome, rules, articles and actions (never the evidence, which quotes the
customer). A read model of caselog.policy of its own, apart from the ledger it never changes."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, Text, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.database import insert_or_ignore
from shared.sql_types import UtcDateTime

metadata = MetaData()
decision_status = Table(
    "intake_decision_status",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("decision_id", String(64), nullable=False),
    Column("decision_type", String(128), nullable=False),
    Column("caused_by", String(64), nullable=True),
    Column("outcome", String(40), nullable=False),
    Column("rules", Text, nullable=False),
    Column("articles", Text, nullable=False),
    Column("actions", Text, nullable=False),
    Column("policy_version", String(200), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
)
_LISTS = ("rules", "articles", "actions")


@dataclass(frozen=True, slots=True)
class DecisionStatus:
    """One decision as a platform may see it: no personal data, only the guideline's terms."""

    case_id: str
    decision_id: str
    decision_type: str
    caused_by: str | None
    outcome: str
    rules: tuple[str, ...]
    articles: tuple[str, ...]
    actions: tuple[str, ...]
    policy_version: str
    decided_at: datetime


class SqlDecisionStatuses:
    """The latest decision per case; decisions redelivered or arriving late change nothing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = insert_or_ignore(engine.dialect.name, decision_status, ("case_id",))
        # Bound by name, so that one compiled statement serves every row of a batch.
        self._newer = (
            update(decision_status)
            .where(
                decision_status.c.case_id == bindparam("new_case_id"),
                decision_status.c.decided_at < bindparam("new_decided_at"),
            )
            .values({c.name: bindparam(f"new_{c.name}") for c in decision_status.columns})
        )

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def keep_all(self, statuses: Sequence[DecisionStatus]) -> None:
        """Each status kept if it is its case's newest, in one transaction for the batch: a new
        case's row inserted, an older row replaced (a later status of the same case in the
        batch, or one already kept, wins whatever the order)."""
        if not statuses:
            return
        rows = [_row(status) for status in statuses]
        async with self._engine.begin() as connection:
            await connection.execute(self._insert, rows)
            await connection.execute(
                self._newer, [{**{f"new_{k}": v for k, v in row.items()}} for row in rows]
            )

    async def latest(self, case_id: str) -> DecisionStatus | None:
        query = select(decision_status).where(decision_status.c.case_id == case_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        if row is None:
            return None
        values = {**row, **{name: tuple(json.loads(row[name])) for name in _LISTS}}
        return DecisionStatus(**values)

    async def forget(self, case_ids: list[str]) -> None:
        """An erased case's decisions go with it."""
        query = decision_status.delete().where(decision_status.c.case_id.in_(case_ids))
        async with self._engine.begin() as connection:
            await connection.execute(query)


def _row(status: DecisionStatus) -> dict[str, object]:
    row: dict[str, object] = {
        column.name: getattr(status, column.name) for column in decision_status.columns
    }
    row.update({name: json.dumps(list(getattr(status, name))) for name in _LISTS})
    return row
