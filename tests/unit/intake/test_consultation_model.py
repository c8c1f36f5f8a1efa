"""The consultation model takes what its schema allows and nothing else (found by schemathesis)."""

import pytest
from pydantic import ValidationError

from services.intake.domain.consultation import Customer, Product


@pytest.mark.parametrize("given", [0, 1_700_000_000, "2026-10-20T00:00:00", True])
def test_a_purchase_date_is_a_calendar_date_not_a_number_or_a_time(given: object) -> None:
    with pytest.raises(ValidationError):
        Product.model_validate({"purchase_date": given})


def test_a_purchase_date_as_yyyy_mm_dd_is_taken() -> None:
    assert (
        str(Product.model_validate({"purchase_date": "2026-10-20"}).purchase_date) == "2026-10-20"
    )


@pytest.mark.parametrize("name", [None, "", "  ", "\u3000"])
def test_a_missing_or_blank_name_is_no_name_so_an_anonymous_consultation_is_kept(
    name: str | None,
) -> None:
    given = {} if name is None else {"name": name}
    assert Customer.model_validate(given).name is None


def test_what_is_present_is_still_validated_when_the_name_is_missing() -> None:
    with pytest.raises(ValidationError) as raised:
        Customer.model_validate({"email": "not an address"})
    assert [error["loc"] for error in raised.value.errors()] == [("email",)]
