"""The search form: each field checked and named when wrong, days in the viewer's zone turned
into records' bounds (the "to" day included), and the paging of an answer."""

import pytest

from services.console.domain.case_search import (
    SearchFieldError,
    paging,
    parse_search,
    subject_search_body,
)


def test_filters_become_records_parameters_and_days_are_the_viewers() -> None:
    search = parse_search(
        {
            "ticket": " 35436 ",
            "outcome": "escalate",
            "state": "held",
            "opened_from": "2026-11-01",
            "opened_to": "2026-11-30",
            "tz": "-540",  # Tokyo: nine hours ahead of UTC
            "sort": "ticket",
            "page": "3",
        }
    )

    assert search.params == {
        "ticket": "35436",
        "outcome": "escalate",
        "state": "held",
        "opened_from": "2026-11-01T00:00:00+09:00",
        "opened_to": "2026-12-01T00:00:00+09:00",
        "sort": "ticket",
        "page": "3",
        "per_page": "25",
    }
    assert search.link(page=4) == (
        "?ticket=35436&outcome=escalate&state=held&opened_from=2026-11-01"
        "&opened_to=2026-11-30&tz=-540&sort=ticket&page=4"
    )


def test_no_filter_is_the_newest_cases_first() -> None:
    assert parse_search({}).params == {"sort": "-opened_at", "page": "1", "per_page": "25"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("case_id", "../etc"),
        ("channel", "pigeon"),
        ("outcome", "maybe"),
        ("state", "lost"),
        ("rule", "Conduct!"),
        ("opened_from", "2026-13-01"),
        ("opened_to", "yesterday"),
        ("tz", "9999"),
        ("sort", "subject"),
        ("page", "0"),
        ("page", "-1"),
        ("ticket", "x" * 257),
    ],
)
def test_a_bad_field_is_named(name: str, value: str) -> None:
    with pytest.raises(SearchFieldError) as refused:
        parse_search({name: value})
    assert refused.value.field == name
    assert value not in str(refused.value)


def test_a_range_that_ends_before_it_starts_names_its_end() -> None:
    with pytest.raises(SearchFieldError) as refused:
        parse_search({"opened_from": "2026-11-30", "opened_to": "2026-11-01"})
    assert refused.value.field == "opened_to"


def test_paging() -> None:
    none = paging(0, 1)
    assert (none.pages, none.first, none.last) == (1, 0, 0)
    middle = paging(60, 2)
    assert (middle.pages, middle.first, middle.last) == (3, 26, 50)
    end = paging(60, 3)
    assert (end.first, end.last) == (51, 60)


def test_the_subject_search_form_becomes_privacys_body_with_one_identity_and_a_purpose() -> None:
    by_email = subject_search_body(
        {"subject": " jane@example.com ", "purpose": " DSAR-7 ", "matter": "", "csrf": "x"}
    )
    by_phone = subject_search_body(
        {"subject": "090-1234-5678", "purpose": "Matter 12", "matter": "2026-(wa)-1"}
    )

    assert by_email == {"email": "jane@example.com", "purpose": "DSAR-7"}
    assert by_phone == {"phone": "090-1234-5678", "purpose": "Matter 12", "matter": "2026-(wa)-1"}


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"subject": "", "purpose": "DSAR-7"}, "subject"),
        ({"subject": "jane@example.com", "purpose": "  "}, "purpose"),
        ({"subject": "jane@example.com"}, "purpose"),
        ({"subject": "jane@example.com", "purpose": "p" * 201}, "purpose"),
        ({"subject": "jane@example.com", "purpose": "DSAR-7", "matter": "m" * 201}, "matter"),
    ],
)
def test_a_subject_search_without_an_identity_or_a_purpose_names_the_field(
    form: dict[str, str], field: str
) -> None:
    with pytest.raises(SearchFieldError) as refused:
        subject_search_body(form)

    assert refused.value.field == field
    assert "jane" not in str(refused.value)
