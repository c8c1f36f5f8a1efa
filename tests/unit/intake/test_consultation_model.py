"""The consultation model takes what its schema allows and nothing else (found by schemathesis)."""

import pytest
from pydantic import ValidationError

from services.intake.domain.consultation import Product


@pytest.mark.parametrize("given", [0, 1_700_000_000, "2026-10-20T00:00:00", True])
def test_a_purchase_date_is_a_calendar_date_not_a_number_or_a_time(given: object) -> None:
    with pytest.raises(ValidationError):
        Product.model_validate({"purchase_date": given})


def test_a_purchase_date_as_yyyy_mm_dd_is_taken() -> None:
    assert (
        str(Product.model_validate({"purchase_date": "2026-10-20"}).purchase_date) == "2026-10-20"
    )
