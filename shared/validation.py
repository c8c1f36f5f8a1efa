"""Validation failures as (field, reason) pairs that never repeat the input (it may be personal)."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, ValidationError

ROOT_FIELD = "<root>"
# How caselog's field names look; an unknown key of this shape is named, any other is not.
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def iso_time_only(value: object) -> object:
    """A pydantic before-validator: pydantic's lax mode reads a number (or "0.5") as seconds
    since the epoch, where the schema says an ISO 8601 date-time; such a value is refused (422)
    rather than guessed at."""
    numeric_text = isinstance(value, str) and _NUMBER.fullmatch(value.strip())
    if isinstance(value, (int, float)) or numeric_text:
        raise ValueError("an ISO 8601 date-time with its UTC offset is expected")
    return value


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(iso_time_only)]
"""A date-time a caller sends: ISO 8601 with its offset, never a number."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid field: where it is (dotted path) and what is wrong with it."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def field_problems(
    error: ValidationError | Iterable[Mapping[str, Any]], *, skip_loc: int = 0
) -> list[FieldProblem]:
    """The problems of a pydantic error (or of its `errors()` list, as FastAPI hands it over).

    Only `loc`, `type` and `msg` are read; `input` and `ctx` are ignored even if present.
    `skip_loc` drops leading path parts that name a container (FastAPI's "body").
    """
    items = (
        error.errors(include_input=False, include_url=False, include_context=False)
        if isinstance(error, ValidationError)
        else error
    )
    return [FieldProblem(_field(item, skip_loc), _reason(item)) for item in items]


def summarize(error: ValidationError, *, limit: int = 10) -> str:
    """One line naming up to `limit` invalid fields, for exception messages and logs."""
    problems = field_problems(error)
    text = "; ".join(str(problem) for problem in problems[:limit])
    if len(problems) > limit:
        text += f"; and {len(problems) - limit} more"
    return text


def _field(item: Mapping[str, Any], skip_loc: int) -> str:
    loc = tuple(item.get("loc", ()))[skip_loc:]
    if item.get("type") == "extra_forbidden" and loc and not _FIELD_NAME.fullmatch(str(loc[-1])):
        # The key is the caller's and not shaped like any field of ours (an e-mail address, a
        # phone number): the problem is named by the object that does not take it.
        loc = loc[:-1]
    return _path(loc)


def _path(loc: Sequence[Any]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".") or ROOT_FIELD


def _reason(item: Mapping[str, Any]) -> str:
    if item.get("type") == "extra_forbidden":
        return "is not a field of the schema"
    message = str(item.get("msg", "invalid"))
    # Parser details such as "invalid character: found `x` at 3" quote the input.
    if str(item.get("type", "")).endswith("_parsing"):
        message = message.split(",", 1)[0]
    return message
