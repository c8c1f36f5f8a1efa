"""A new schema is backward compatible when its reader accepts every document of the old one."""

from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.contracts.compatibility import check_backward_compatible


def schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


class Customer(BaseModel):
    tier: Literal["gold", "silver"]


class Base(BaseModel):
    channel: Literal["phone", "email", "web"]
    summary: str = Field(max_length=200)
    count: int
    note: str | None = None
    tags: list[str] = []
    customer: Customer | None = None


def changed(**fields: Any) -> dict[str, Any]:
    """`Base`'s schema with fields redefined as (annotation, default) or removed (None)."""
    definitions: dict[str, Any] = {
        name: (info.annotation, info) for name, info in Base.model_fields.items()
    }
    for name, spec in fields.items():
        if spec is None:
            definitions.pop(name)
        else:
            definitions[name] = spec
    return schema(create_model("Changed", **definitions))


def test_identical_schemas_are_compatible() -> None:
    assert check_backward_compatible(schema(Base), schema(Base)) == []


@pytest.mark.parametrize(
    "change",
    [
        {"extra_field": (int, 0)},  # new optional property
        {"channel": (Literal["phone", "email", "web", "chat"], ...)},  # enum widened
        {"count": (float, ...)},  # integer widened to number
        {"summary": (str, ...)},  # length limit dropped
        {"count": (int, 0)},  # required made optional
        {"note": (str | int | None, None)},  # union widened
    ],
)
def test_widening_changes_are_compatible(change: dict[str, Any]) -> None:
    assert check_backward_compatible(schema(Base), changed(**change)) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"language": (str, ...)}, "$.language: newly required"),
        ({"note": (str | None, ...)}, "$.note: newly required"),
        ({"count": None}, "$.count: property removed"),
        ({"count": (str, ...)}, "$.count: type changed from integer to string"),
        ({"channel": (Literal["phone", "email"], ...)}, "$.channel: no longer accepts the values"),
        ({"note": (str, "")}, "$.note: type changed from null to string"),
        ({"tags": (list[int], [])}, "$.tags[]: type changed from string to integer"),
    ],
)
def test_narrowing_changes_are_reported(change: dict[str, Any], problem: str) -> None:
    problems = check_backward_compatible(schema(Base), changed(**change))

    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_tightened_constraints_are_reported() -> None:
    class Tighter(Base):
        summary: str = Field(max_length=100, min_length=1)

    assert check_backward_compatible(schema(Base), schema(Tighter)) == [
        "$.summary: minLength raised to 1",
        "$.summary: maxLength lowered to 100",
    ]


def test_changes_inside_referenced_models_are_found() -> None:
    class NarrowCustomer(BaseModel):
        tier: Literal["gold"]

    problems = check_backward_compatible(
        schema(Base), changed(customer=(NarrowCustomer | None, None))
    )

    assert problems == ["$.customer.tier: no longer accepts the values ['silver']"]


def test_forbidding_extra_properties_is_reported() -> None:
    class Strict(Base):
        model_config = ConfigDict(extra="forbid")

    assert check_backward_compatible(schema(Base), schema(Strict)) == [
        "$: additional properties no longer accepted"
    ]


def test_raw_schemas_with_type_lists_and_maps() -> None:
    old = {
        "type": "object",
        "properties": {
            "amount": {"type": ["integer", "null"]},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    new = {
        "type": "object",
        "properties": {
            "amount": {"type": "integer"},
            "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    }

    assert check_backward_compatible(old, new) == [
        "$.amount: type changed from integer/null to integer",
        "$.labels.*: type changed from string to integer",
    ]
    widened_amount = {
        **new,
        "properties": {**new["properties"], "amount": old["properties"]["amount"]},
    }
    assert check_backward_compatible(new, widened_amount) == []
