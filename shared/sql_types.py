"""Column types every service's tables share: times that come back aware and in UTC.

SQLite keeps no zone (`DateTime(timezone=True)` reads back naive there), so without this a
time read on the embedded runtime would answer without a zone while PostgreSQL's has one.
"""

from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
@overload
def as_utc(moment: datetime | None) -> datetime | None: ...


def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` as an aware UTC time; a naive one is UTC already (how caselog stores times).

    The one home for "a time read back from SQLite (naive) or PostgreSQL (aware), made aware
    UTC", and for "an aware time, in UTC, before it is stored"."""
    if moment is None or moment.tzinfo is UTC:
        return moment  # asyncpg's timestamptz values: nothing to convert
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back aware, in UTC, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: its zone is unknown")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return as_utc(value)
