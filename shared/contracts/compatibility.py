"""Backward compatibility of JSON Schemas: can a reader of the new one read every old document?"""

from collections.abc import Iterator
from typing import Any

Schema = dict[str, Any]
PERSONAL = "x-personal"  # shared.crypto.fields.PERSONAL_SCHEMA_KEY (this module imports nothing)

LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
EXACT_KEYWORDS = ("pattern", "format", "multipleOf")


def check_backward_compatible(
    old_schema: Schema, new_schema: Schema, *, tolerant_reader: bool = False
) -> list[str]:
    """Problems that would make a reader of `new_schema` reject a document valid under `old_schema`.

    Empty means compatible. Otherwise the change needs a new version and an upcaster.
    Removing a property counts as a problem even where extra properties are allowed:
    the reader would silently drop what old documents say, and an upcaster must decide.
    A `tolerant_reader` (a consumer's read model of only what it needs) may leave properties
    out, but may not expect one the documents never have. Either way a field's personal class
    (`x-personal`) must stay: it says which grant opens the field and that it arrives sealed.
    """
    problems: list[str] = []
    old, new = _Node(old_schema, old_schema), _Node(new_schema, new_schema)
    _compare(old, new, "$", problems, tolerant_reader)
    return problems


class _Node:
    """A subschema together with the document its `$ref`s point into."""

    def __init__(self, schema: Schema, root: Schema) -> None:
        self.root = root
        self.schema = self._resolve(schema)

    def _resolve(self, schema: Schema) -> Schema:
        seen: set[str] = set()
        while isinstance(ref := schema.get("$ref"), str) and ref not in seen:
            seen.add(ref)
            target: Any = self.root
            for part in ref.removeprefix("#/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            # Keywords beside a $ref (2020-12 allows them) narrow the target further.
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def child(self, schema: Any) -> "_Node":
        return _Node(schema if isinstance(schema, dict) else {}, self.root)

    def alternatives(self) -> Iterator["_Node"]:
        branches = self.schema.get("anyOf") or self.schema.get("oneOf")
        if not branches:
            yield self
            return
        for branch in branches:
            yield self.child(branch)

    def types(self) -> set[str] | None:
        kind = self.schema.get("type")
        if kind is None:
            return None
        return {kind} if isinstance(kind, str) else set(kind)

    def values(self) -> list[Any] | None:
        if "const" in self.schema:
            return [self.schema["const"]]
        enum = self.schema.get("enum")
        return list(enum) if isinstance(enum, list) else None


def _compare(old: _Node, new: _Node, path: str, problems: list[str], tolerant: bool) -> None:
    new_branches = list(new.alternatives())
    for old_branch in old.alternatives():
        attempts: list[tuple[bool, list[str]]] = []
        for new_branch in new_branches:
            found: list[str] = []
            _compare_single(old_branch, new_branch, path, found, tolerant)
            if not found:
                break
            attempts.append((not _same_kind(old_branch, new_branch), found))
        else:
            # No new alternative takes this old one; report the closest miss, preferring a
            # branch of the same kind (an object read as `X | None` misses on X, not on null).
            closest = min(attempts, key=lambda attempt: (attempt[0], len(attempt[1])))
            problems.extend(closest[1])


def _same_kind(old: _Node, new: _Node) -> bool:
    old_types, new_types = old.types(), new.types()
    return old_types is None or new_types is None or bool(old_types & new_types)


def _compare_single(old: _Node, new: _Node, path: str, problems: list[str], tolerant: bool) -> None:
    old_class, new_class = old.schema.get(PERSONAL), new.schema.get(PERSONAL)
    if old_class != new_class:
        problems.append(f"{path}: personal class {old_class or 'none'} -> {new_class or 'none'}")
        return
    if tolerant and old_class is not None:
        return  # sealed on the wire: whether a reader opens it (its grant) is the reader's
    old_types, new_types = old.types(), new.types()
    if new_types is not None:
        accepted = new_types | ({"integer"} if "number" in new_types else set())
        if old_types is None or not old_types <= accepted:
            before = "any type" if old_types is None else "/".join(sorted(old_types))
            problems.append(f"{path}: type changed from {before} to {'/'.join(sorted(new_types))}")
            return
    new_values = new.values()
    if new_values is not None:
        old_values = old.values()
        lost = None if old_values is None else [v for v in old_values if v not in new_values]
        if lost is None:
            problems.append(f"{path}: now restricted to the values {new_values}")
        elif lost:
            problems.append(f"{path}: no longer accepts the values {lost}")
    _compare_constraints(old.schema, new.schema, path, problems)
    _compare_objects(old, new, path, problems, tolerant)
    if isinstance(old.schema.get("items"), dict) or isinstance(new.schema.get("items"), dict):
        _compare(
            old.child(old.schema.get("items")),
            new.child(new.schema.get("items")),
            f"{path}[]",
            problems,
            tolerant,
        )


def _compare_constraints(old: Schema, new: Schema, path: str, problems: list[str]) -> None:
    for keyword in LOWER_BOUNDS:
        if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
            problems.append(f"{path}: {keyword} raised to {new[keyword]}")
    for keyword in UPPER_BOUNDS:
        if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
            problems.append(f"{path}: {keyword} lowered to {new[keyword]}")
    for keyword in EXACT_KEYWORDS:
        if keyword in new and new[keyword] != old.get(keyword):
            problems.append(f"{path}: {keyword} changed to {new[keyword]!r}")


def _compare_objects(
    old: _Node, new: _Node, path: str, problems: list[str], tolerant: bool
) -> None:
    old_props: dict[str, Any] = old.schema.get("properties", {})
    new_props: dict[str, Any] = new.schema.get("properties", {})
    old_required = set(old.schema.get("required", []))
    for name in sorted(set(new.schema.get("required", [])) - old_required):
        problems.append(f"{path}.{name}: newly required")
    if tolerant:
        if old_props:  # an object the contract spells out: the reader expects only its fields
            for name in sorted(new_props.keys() - old_props.keys()):
                problems.append(f"{path}.{name}: read, but not in the contract")
    else:
        for name in sorted(old_props.keys() - new_props.keys()):
            problems.append(f"{path}.{name}: property removed")
    for name in sorted(old_props.keys() & new_props.keys()):
        old_child, new_child = old.child(old_props[name]), new.child(new_props[name])
        _compare(old_child, new_child, f"{path}.{name}", problems, tolerant)
    old_extra, new_extra = (
        old.schema.get("additionalProperties"),
        new.schema.get("additionalProperties"),
    )
    if new_extra is False and old_extra is not False:
        problems.append(f"{path}: additional properties no longer accepted")
    elif isinstance(new_extra, dict) and old_extra is not False:
        _compare(
            old.child(old_extra if isinstance(old_extra, dict) else {}),
            new.child(new_extra),
            f"{path}.*",
            problems,
            tolerant,
        )
