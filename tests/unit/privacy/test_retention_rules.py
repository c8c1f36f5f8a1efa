"""Retention rules as data: calendar periods, per kind and closure reason, and the rules file."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.privacy.bootstrap import load_rules
from services.privacy.domain.errors import RulesError
from services.privacy.domain.retention import Period, RecordKind

CLOSED = datetime(2024, 2, 29, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P5Y", datetime(2029, 2, 28, 12, tzinfo=UTC)),
        ("P1Y", datetime(2025, 2, 28, 12, tzinfo=UTC)),
        ("P18M", datetime(2025, 8, 29, 12, tzinfo=UTC)),
        ("P90D", datetime(2024, 5, 29, 12, tzinfo=UTC)),
        ("p1y1m1d", datetime(2025, 3, 30, 12, tzinfo=UTC)),
    ],
)
def test_periods_are_calendar_periods(text: str, expected: datetime) -> None:
    assert Period.parse(text, "x").after(CLOSED) == expected


def test_the_defaults_are_five_years_one_year_and_keep() -> None:
    rules = load_rules(None).retention

    assert rules.describe(RecordKind.CASE_RECORD, "satisfied") == "P5Y"
    assert rules.describe(RecordKind.CALL_RECORDING, None) == "P1Y"
    assert rules.ends_at(RecordKind.ANONYMIZED_COPY, "satisfied", CLOSED) is None


def test_a_rules_file_sets_periods_per_kind_and_closure_reason(tmp_path: Path) -> None:
    path = tmp_path / "privacy.toml"
    path.write_text(
        """
[retention.case_record]
default = "P3Y"
persuasion_difficult = "P10Y"  # litigation-minded complainants

[retention.anonymized_copy]
default = "P20Y"

[person_names]
names = ["佐藤 一郎"]
not_names = ["大家"]

[requests]
internal_days = 10
""",
        encoding="utf-8",
    )

    rules = load_rules(path)

    assert rules.retention.describe(RecordKind.CASE_RECORD, "satisfied") == "P3Y"
    assert rules.retention.describe(RecordKind.CASE_RECORD, "persuasion_difficult") == "P10Y"
    assert rules.retention.describe(RecordKind.CALL_RECORDING, "persuasion_difficult") == "P1Y"
    assert rules.retention.describe(RecordKind.ANONYMIZED_COPY, None) == "P20Y"
    assert rules.person_names.names == ("佐藤 一郎",)
    assert "大家" in rules.person_names.not_names
    assert "客" in rules.person_names.not_names
    assert (rules.deadlines.internal_days, rules.deadlines.gdpr_days) == (10, 30)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[retention.case_record]\ndefault = "5 years"', "retention.case_record.default"),
        ('[retention.tapes]\ndefault = "P1Y"', "unknown record kinds"),
        ("[requests]\ngdpr_days = 0", "requests.gdpr_days"),
        ('[person_names]\npatterns = ["("]', "person_names.patterns"),
        ("[holidays]\nx = 1", "unknown sections"),
    ],
)
def test_a_bad_rules_file_names_the_entry(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "privacy.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(RulesError, match=named):
        load_rules(path)
