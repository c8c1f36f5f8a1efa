"""The privacy page's retention chart counts case records by the month their retention ends."""

from datetime import UTC, datetime

from services.console.domain.retention_chart import month_starts, retention_chart, window_end

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _item(case_id: str, ends: str, kind: str = "case_record") -> dict[str, str]:
    return {"case_id": case_id, "kind": kind, "retention_ends_at": ends}


def test_the_window_is_twelve_whole_months_from_this_one() -> None:
    bounds = month_starts(NOW)
    assert bounds[0] == datetime(2026, 12, 1, tzinfo=UTC)
    assert bounds[1] == datetime(2027, 1, 1, tzinfo=UTC)
    assert window_end(NOW) == datetime(2027, 12, 1, tzinfo=UTC)


def test_records_are_counted_in_the_month_their_retention_ends() -> None:
    report = {
        "due": [
            _item("c-late", "2025-01-01T00:00:00+00:00"),  # already past: due now
            _item("c-dec", "2026-12-31T23:59:59+00:00"),
            _item("c-jan", "2027-01-01T00:00:00+00:00"),
            _item("rec", "2027-01-15T00:00:00+00:00", kind="call_recording"),
            _item("c-after", "2027-12-01T00:00:00+00:00"),  # outside the window
        ],
        "held": [_item("c-held", "2027-03-10T09:00:00+09:00")],
    }
    chart = retention_chart(report, NOW)

    counts = {bar.month: (bar.due, bar.held) for bar in chart.months}
    assert len(chart.months) == 12
    assert counts["2026-12"] == (2, 0)
    assert counts["2027-01"] == (1, 0), "a recording is not a case"
    assert counts["2027-03"] == (0, 1)
    assert (chart.total_due, chart.total_held) == (3, 1)
    tallest = max(chart.months, key=lambda bar: bar.due + bar.held)
    assert tallest.due_height + tallest.held_height == chart.height


def test_an_empty_report_draws_twelve_empty_months() -> None:
    chart = retention_chart({"due": [], "held": []}, NOW)
    assert [bar.due + bar.held + bar.due_height for bar in chart.months] == [0] * 12
