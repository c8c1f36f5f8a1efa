"""Test support: every field of an erasure receipt file, and the file with one of them changed."""

import json
from typing import Any


def tampered(document: dict[str, Any], path: list[str | int]) -> dict[str, Any]:
    """A copy of the receipt file with the value at `path` in the receipt changed."""
    copy = json.loads(json.dumps(document))
    target = copy["receipt"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = changed(target[path[-1]])
    return copy


def changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return "x" if value in (None, [], {}) else "x" + str(value)


def leaves(value: Any, path: list[str | int]) -> list[list[str | int]]:
    if isinstance(value, dict) and value:
        return [p for key, item in value.items() for p in leaves(item, [*path, key])]
    if isinstance(value, list) and value:
        return [p for index, item in enumerate(value) for p in leaves(item, [*path, index])]
    return [path]
