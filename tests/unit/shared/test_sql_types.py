"""`as_utc`, the one home for "a stored time, made aware UTC"."""

from datetime import UTC, datetime, timedelta, timezone

from shared.sql_types import as_utc

TOKYO = timezone(timedelta(hours=9))


def test_a_naive_time_read_from_sqlite_is_taken_as_utc() -> None:
    assert as_utc(datetime(2026, 12, 3, 9, 0)) == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert as_utc(datetime(2026, 12, 3, 9, 0)).tzinfo is UTC


def test_an_aware_time_is_converted_to_utc_and_none_stays_none() -> None:
    converted = as_utc(datetime(2026, 12, 3, 18, 0, tzinfo=TOKYO))
    assert converted == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert converted.tzinfo is UTC
    assert as_utc(None) is None
