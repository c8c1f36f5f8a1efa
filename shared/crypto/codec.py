"""Encrypts a model's personal fields into ciphertext objects, one AES-GCM operation per field
class, and decrypts them (of either format) per grant."""

import json
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel

from shared.crypto.ciphertext import VERSION as V1
from shared.crypto.ciphertext import FieldBinding, open_sealed, parse, seal
from shared.crypto.class_ciphertext import (
    SEALED_VERSIONS,
    ClassBinding,
    head_paths,
    open_class,
    parse_class,
    seal_class,
    value_at,
)
from shared.crypto.data_key import DataKey
from shared.crypto.errors import CiphertextError, KeyDestroyedError
from shared.crypto.fields import Each, FieldClass, Node, PersonalPlan, plan_of
from shared.crypto.grants import Reader

ERASED = "[erased]"
"""What a personal field reads as once its case key has been destroyed."""


class DataKeySource(Protocol):
    """The part of the key store the codec uses (fakes in unit tests meet it too)."""

    async def create_or_get(self, case_id: str) -> DataKey: ...

    async def get(self, case_id: str) -> DataKey: ...


# Where a personal value sits: its container, its key or index there, its dotted path. A plain
# tuple, not an object: an event has several, and they are built on every encrypt and decrypt.
_Site = tuple[dict[str, Any] | list[Any], Any, str]
_Classes = dict[FieldClass, list[_Site]]


class FieldCodec:
    """Payload dicts in which every declared personal field is a ciphertext object.

    New events get the v2 format: one AES-GCM operation per field class of an event
    (`class_ciphertext`); events sealed field by field in v1 still open.

    A `None` personal value stays `None`: whether a phone number was given is not itself
    personal, and services without the identity grant need to know it.
    """

    def __init__(self, keys: DataKeySource) -> None:
        self._keys = keys

    async def encrypt(
        self, model: BaseModel, *, case_id: str, event_id: UUID | str
    ) -> dict[str, Any]:
        payload = model.model_dump(mode="json")
        classes = _classes_of(payload, plan_of(type(model)))
        if classes:
            _seal(classes, await self._keys.create_or_get(case_id), case_id, str(event_id))
        return payload

    def encrypt_with(
        self, model: BaseModel, key: DataKey, *, case_id: str, event_id: UUID | str
    ) -> dict[str, Any]:
        """`encrypt` under a key the caller already holds: the key of a case it is opening,
        created in its own transaction on the key store (not yet committed, so not cached)."""
        payload = model.model_dump(mode="json")
        _seal(_classes_of(payload, plan_of(type(model))), key, case_id, str(event_id))
        return payload

    async def decrypt(
        self,
        payload: Mapping[str, Any],
        schema: type[BaseModel],
        *,
        case_id: str,
        event_id: UUID | str,
        reader: Reader,
        classes: Collection[FieldClass] | None = None,
    ) -> dict[str, Any]:
        """`payload` with the personal fields of `classes` (default: all of `schema`'s) in
        plaintext, or `ERASED` once the key is destroyed; other classes stay ciphertext.

        FieldAccessDenied if `reader` lacks one of `classes`; CiphertextError if a value
        is not the ciphertext sealed for this case, event and field.
        """
        plan = plan_of(schema)
        wanted = plan.classes() if classes is None else frozenset(classes)
        reader.require(wanted)
        result: dict[str, Any] = _copy(payload)
        found = _classes_of(result, plan)
        opening = [(name, sites) for name, sites in found.items() if name in wanted]
        if not opening:
            return result
        try:
            key: DataKey | None = await self._keys.get(case_id)
        except KeyDestroyedError:
            key = None
        event = str(event_id)
        for field_class, sites in opening:
            _open(key, sites, result, case_id, event, field_class)
        return result


def encrypt_v1(
    model: BaseModel, key: DataKey, *, case_id: str, event_id: UUID | str
) -> dict[str, Any]:
    """The payload as events before decision 0031 carry it, one v1 seal per field. Nothing
    writes it any more: the tests that old events still open and B8's v1 figure build it."""
    payload = model.model_dump(mode="json")
    event = str(event_id)
    for sites in _classes_of(payload, plan_of(type(model))).values():
        for container, name, path in sites:
            sealed = seal(key, _to_json(container[name]), FieldBinding(case_id, event, path))
            container[name] = sealed
    return payload


def _seal(classes: _Classes, key: DataKey, case_id: str, event: str) -> None:
    for field_class, sites in classes.items():
        binding = ClassBinding(case_id, event, field_class, [site[2] for site in sites])
        sealed = seal_class(key, [_to_json(site[0][site[1]]) for site in sites], binding)
        for (container, name, _), ciphertext in zip(sites, sealed, strict=True):
            container[name] = ciphertext


def _open(
    key: DataKey | None,
    sites: Sequence[_Site],
    root: Any,
    case_id: str,
    event: str,
    name: FieldClass,
) -> None:
    """The class's fields in plaintext (`ERASED` without a key), in either format. `sites`
    are where the reader's model expects the class; a v2 class may hold more fields (the
    writer's model named them), which its first field lists and which are opened with it."""
    values = [container[at] for container, at, _ in sites]
    first = values[0]
    if type(first) is dict and first.get("enc") == V1:
        for (container, at, path), value in zip(sites, values, strict=True):
            ciphertext = parse(value, path)
            if key is None:
                container[at] = ERASED
                continue
            container[at] = _from_json(
                open_sealed(key, ciphertext, FieldBinding(case_id, event, path))
            )
        return
    expected = [path for _, _, path in sites]
    paths = head_paths(first)
    if paths is None:
        paths = _paths_of_head_elsewhere(root, expected[0])
    as_read = paths == expected  # the reader's model names the class as the writer's did
    binding = ClassBinding(case_id, event, name, paths)
    parsed = parse_class(values if as_read else _gathered(root, paths, expected), binding)
    if key is None:
        for container, at, _ in sites:
            container[at] = ERASED
        return
    opened = open_class(key, parsed, binding)
    if not as_read:
        by_path = dict(zip(paths, opened, strict=True))
        opened = [by_path[path] for path in expected]
    for (container, at, _), plaintext in zip(sites, opened, strict=True):
        container[at] = _from_json(plaintext)


def _paths_of_head_elsewhere(root: Any, path: str) -> list[str]:
    """The paths of the v2 class that holds `path`, from its first field, wherever that is
    (the reader's model does not name it). A walk of the payload: rare, so not fast."""
    for value in _objects(root):
        paths = head_paths(value)
        if paths is not None and path in paths:
            return paths
    raise CiphertextError(f"{path}: not a v2 ciphertext (no first field of its class names it)")


def _objects(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def _gathered(root: Any, paths: Sequence[str], expected: Sequence[str]) -> list[Any]:
    """The class's values at `paths`; CiphertextError if the reader expects one elsewhere."""
    if not set(expected) <= set(paths):
        stray = next(path for path in expected if path not in paths)
        raise CiphertextError(f"{stray}: not among the fields its v2 class was sealed with")
    return [value_at(root, path) for path in paths]


# Most personal values are strings with nothing to escape: their JSON is the text in quotes,
# several times cheaper than the json module's general path (which serves the rest).
_ESCAPED_IN_JSON = re.compile(r'["\\\x00-\x1f]')


def _to_json(value: Any) -> bytes:
    if type(value) is str and _ESCAPED_IN_JSON.search(value) is None:
        return f'"{value}"'.encode()
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _from_json(plaintext: bytes) -> Any:
    if plaintext[:1] == b'"' and b"\\" not in plaintext:
        return plaintext[1:-1].decode()
    return json.loads(plaintext.decode())


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data; several times faster than `copy.deepcopy` (and
    leaves are kept without a call each: most values are). Ciphertext objects count as
    leaves: nothing edits one in place (a decrypt replaces it), so the copy may share it."""
    if isinstance(value, Mapping):
        return {key: item if _kept(item) else _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if _kept(item) else _copy(item) for item in value]
    return value


def _kept(item: Any) -> bool:
    kind = type(item)
    return kind in _LEAVES or (kind is dict and item.get("enc") in SEALED_VERSIONS)


_LEAVES = frozenset({str, int, float, bool, type(None)})


def _classes_of(data: Mapping[str, Any], plan: PersonalPlan) -> _Classes:
    """The personal values of `data` by class, each class in plan order (the order a v2
    ciphertext binds). One walk with a shared accumulator rather than nested generators:
    this runs on every encrypt and decrypt."""
    classes: _Classes = {}
    _collect(data, plan, "", classes)
    return classes


def _collect(data: Any, plan: PersonalPlan, prefix: str, classes: _Classes) -> None:
    if not isinstance(data, dict):
        raise CiphertextError(f"{prefix.rstrip('.') or '<root>'}: expected an object")
    for name, node in plan.fields.items():
        value = data.get(name)
        if value is not None:
            _place(data, name, value, node, prefix + name, classes)


def _place(container: Any, key: Any, value: Any, node: Node, path: str, classes: _Classes) -> None:
    if isinstance(node, FieldClass):
        sites = classes.get(node)
        if sites is None:
            classes[node] = [(container, key, path)]
        else:
            sites.append((container, key, path))
    elif isinstance(node, Each):
        if not isinstance(value, list):
            raise CiphertextError(f"{path}: expected a list")
        for index, item in enumerate(value):
            if item is not None:
                _place(value, index, item, node.item, f"{path}.{index}", classes)
    else:
        _collect(value, node, path + ".", classes)
