"""The case index behind search (`GET /v1/cases`): one row per case with the columns people
search and sort by, kept up with the log on read.

Each search first folds the events appended since the index last looked (from a stored
position, in log order) into the rows of their cases, with the case page's own fold
(`case_view.apply_event`) resumed from the stored view; then it queries. The index is
derived data: dropping its tables rebuilds it from the log. It holds nothing personal (the
case view reads no personal field). Catching up takes the stored position with a
compare-and-set in the same transaction as the rows, so two records processes never fold an
event twice.
"""

import asyncio
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters import log_statements
from services.records.adapters.tables import RecordsTables
from services.records.domain.case_view import CaseView, Decision, Hold, apply_event
from services.records.domain.timeline import CaseEvent
from shared.envelope import Envelope
from shared.sql_types import as_utc

CATCH_UP_BATCH = 5000
CaseState = Literal["open", "decided", "closed", "held", "anonymized", "erased"]
SortKey = Literal["opened_at", "-opened_at", "case_id", "-case_id", "ticket", "-ticket"]


@dataclass(frozen=True)
class CaseQuery:
    """What to look for; every field left None matches all. `rule`: a rule that fired in the
    case's latest decision; `state`: open/decided/closed by the case's status, or
    held/anonymized/erased."""

    case_id: str | None = None
    ticket: str | None = None
    channel: str | None = None
    outcome: str | None = None
    rule: str | None = None
    state: CaseState | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    subject_id: str | None = None
    sort: SortKey = "-opened_at"
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class FoundCase:
    case_id: str
    platform: str | None
    ticket: str | None
    channel: str | None
    opened_at: datetime | None
    status: str
    outcome: str | None
    rules: tuple[str, ...]
    held: bool
    anonymized: bool
    erased: bool
    events: int


class SqlCaseIndex:
    def __init__(self, engine: AsyncEngine, tables: RecordsTables) -> None:
        self._engine, self._records = engine, tables
        metadata = MetaData()
        self._cases = Table(
            f"{tables.prefix}case_index",
            metadata,
            Column("case_id", String(128), primary_key=True),
            Column("platform", String(64), nullable=True),
            Column("ticket", String(256), nullable=True, index=True),
            Column("channel", String(64), nullable=True, index=True),
            Column("opened_at", DateTime(timezone=True), nullable=True, index=True),
            Column("status", String(16), nullable=False, index=True),
            Column("outcome", String(32), nullable=True, index=True),
            # " rule-a rule-b ": a rule is found by `LIKE '% rule-a %'` on both databases.
            Column("rules", Text, nullable=False),
            Column("held", Boolean, nullable=False, index=True),
            Column("anonymized", Boolean, nullable=False),
            Column("erased", Boolean, nullable=False),
            Column("subject_id", String(128), nullable=True, index=True),
            Column("events", Integer, nullable=False),
            Column("view", Text, nullable=False),  # the fold's state, to resume from
        )
        self._position = Table(
            f"{tables.prefix}case_index_position",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=False),
            Column("next_position", BigInteger, nullable=False),
        )
        self._metadata = metadata
        self._created = False
        self._lock = asyncio.Lock()

    async def search(self, query: CaseQuery) -> tuple[int, list[FoundCase]]:
        """(how many cases match, the page of them `query` asks for), the log's latest
        events included."""
        await self.catch_up()
        async with self._engine.connect() as connection:
            return await connection.run_sync(self._search, query)

    async def insert_views(self, views: Sequence[CaseView]) -> None:
        """Rows for cases folded elsewhere, in one transaction, the stored position left as it
        is: for a benchmark's 100,000 cases (bench/console), where folding each from the log
        would take longer than what it measures. A view's case must not be in the log."""
        await self.catch_up()  # the tables exist, and the log's own cases are in
        rows = [{"case_id": view.case_id, **_row(view)} for view in views]
        async with self._engine.begin() as connection:
            for start in range(0, len(rows), CATCH_UP_BATCH):
                await connection.execute(insert(self._cases), rows[start : start + CATCH_UP_BATCH])

    async def catch_up(self) -> None:
        async with self._lock:  # one catch-up per process; the position guards across them
            if not self._created:
                await self._create()
                self._created = True
            while True:
                async with self._engine.begin() as connection:
                    if not await connection.run_sync(self._fold_next_batch):
                        return

    async def _create(self) -> None:
        # Table by table: another process may be creating them at the same moment, one
        # table ahead or behind this one, so a single retry of the whole set is not enough.
        for table in self._metadata.sorted_tables:
            try:
                async with self._engine.begin() as connection:
                    await connection.run_sync(table.create, checkfirst=True)
            except DBAPIError:
                # Created by another process between the check and the CREATE.
                async with self._engine.begin() as connection:
                    if not await connection.run_sync(_has_table, table.name):
                        raise
        try:
            async with self._engine.begin() as connection:
                await connection.run_sync(self._start_position)
        except IntegrityError:
            pass  # another process inserted it first

    def _start_position(self, connection: Connection) -> None:
        if connection.execute(select(self._position.c.id)).first() is None:
            connection.execute(insert(self._position).values(id=1, next_position=0))

    def _fold_next_batch(self, connection: Connection) -> bool:
        """Folds one batch of new events; False when there was none (or another process
        took this batch: the next search sees its rows)."""
        position = self._position
        start = connection.execute(select(position.c.next_position)).scalar_one()
        events = log_statements.events_page(connection, self._records, start, CATCH_UP_BATCH)
        if not events:
            return False
        taken = connection.execute(
            update(position)
            .where(position.c.id == 1, position.c.next_position == start)
            .values(next_position=events[-1].position + 1)
        )
        if taken.rowcount != 1:
            return False
        by_case: dict[str, list[Envelope]] = defaultdict(list)
        for event in events:
            by_case[event.case_id].append(CaseEvent.of(event).envelope)
        cases = self._cases
        stored = {
            row.case_id: _view_from_json(row.view)
            for row in connection.execute(
                select(cases.c.case_id, cases.c.view).where(cases.c.case_id.in_(list(by_case)))
            )
        }
        for case_id, envelopes in by_case.items():
            view = stored.get(case_id) or CaseView(case_id)
            for envelope in envelopes:
                apply_event(view, envelope)
            row = _row(view)
            if case_id in stored:
                connection.execute(update(cases).where(cases.c.case_id == case_id).values(row))
            else:
                connection.execute(insert(cases).values(case_id=case_id, **row))
        return True

    def _search(self, connection: Connection, query: CaseQuery) -> tuple[int, list[FoundCase]]:
        cases = self._cases
        conditions = [
            column == value
            for column, value in (
                (cases.c.case_id, query.case_id),
                (cases.c.ticket, query.ticket),
                (cases.c.channel, query.channel),
                (cases.c.outcome, query.outcome),
                (cases.c.subject_id, query.subject_id),
            )
            if value is not None
        ]
        if query.rule is not None:
            conditions.append(cases.c.rules.like(f"% {_like_literal(query.rule)} %", escape="\\"))
        if query.opened_from is not None:
            conditions.append(cases.c.opened_at >= query.opened_from)
        if query.opened_to is not None:
            conditions.append(cases.c.opened_at < query.opened_to)
        if query.state in ("open", "decided", "closed"):
            conditions.append(cases.c.status == query.state)
        elif query.state is not None:
            conditions.append(cases.c[query.state].is_(True))
        total = connection.execute(
            select(func.count()).select_from(cases).where(*conditions)
        ).scalar_one()
        column = cases.c[query.sort.lstrip("-")]
        order = column.desc() if query.sort.startswith("-") else column.asc()
        rows = connection.execute(
            select(cases)
            .where(*conditions)
            .order_by(order, cases.c.case_id)
            .offset(query.offset)
            .limit(query.limit)
        ).all()
        return int(total), [_found(row) for row in rows]


def _row(view: CaseView) -> dict[str, Any]:
    latest = view.decisions[-1] if view.decisions else None
    return {
        "platform": view.platform,
        "ticket": view.ticket,
        "channel": view.channel,
        "opened_at": view.opened_at,
        "status": view.status,
        "outcome": latest.outcome if latest else None,
        "rules": f" {' '.join(latest.rules)} " if latest else " ",
        "held": bool(view.holds),
        "anonymized": view.anonymized,
        "erased": view.erased,
        "subject_id": view.subject_id,
        "events": view.events,
        "view": _view_to_json(view),
    }


def _found(row: Any) -> FoundCase:
    return FoundCase(
        case_id=row.case_id,
        platform=row.platform,
        ticket=row.ticket,
        channel=row.channel,
        opened_at=as_utc(row.opened_at),
        status=row.status,
        outcome=row.outcome,
        rules=tuple(row.rules.split()),
        held=row.held,
        anonymized=row.anonymized,
        erased=row.erased,
        events=row.events,
    )


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The fold's state as JSON; only the latest decision is kept (all the index shows).
def _view_to_json(view: CaseView) -> str:
    kept = replace(view, decisions=view.decisions[-1:])
    data = {name: getattr(kept, name) for name in CaseView.__dataclass_fields__}
    data["decisions"] = [
        {**decision.__dict__, "rules": list(decision.rules)} for decision in kept.decisions
    ]
    data["holds"] = {key: hold.__dict__ for key, hold in kept.holds.items()}
    return json.dumps(data, default=_moment)


def _view_from_json(text: str) -> CaseView:
    data = json.loads(text)
    for name in ("opened_at", "last_occurred_at"):
        data[name] = _parsed(data[name])
    data["decisions"] = [
        Decision(
            **{**item, "rules": tuple(item["rules"]), "occurred_at": _parsed(item["occurred_at"])}
        )
        for item in data["decisions"]
    ]
    data["holds"] = {
        key: Hold(**{**item, "placed_at": _parsed(item["placed_at"])})
        for key, item in data["holds"].items()
    }
    return CaseView(**data)


def _moment(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _parsed(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _has_table(connection: Connection, name: str) -> bool:
    return inspect(connection).has_table(name)
