"""FrozenModel, the one base of caselog's value objects."""

import pytest
from pydantic import ValidationError

from shared.frozen import FrozenModel


class Point(FrozenModel):
    x: int


def test_a_frozen_model_cannot_change_and_refuses_undeclared_fields() -> None:
    point = Point(x=1)
    with pytest.raises(ValidationError, match="frozen"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Point.model_validate({"x": 1, "y": 2})
    assert {point: "hashable"}[Point(x=1)] == "hashable"
