"""The search form: each field checked and named when wrong, days in the viewer's zone turned
into records' bounds (the "to" day included), and the paging of an answer."""

import pytest

from services.console.domain.case_search import SearchFieldError, paging, parse_search


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
