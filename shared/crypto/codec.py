"""Encrypts a model's personal fields into ciphertext objects, one AES-GCM operation per field
class, and decrypts them (of either format) per grant."""

import json
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel

from shared.crypto.ciphertext import VERSION as V1
from shared.crypto.ciphertext import FieldBinding, open_sealed, parse, seal
from shared.crypto.class_ciphertext import ClassBinding, open_class, parse_class, seal_class
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


@dataclass(frozen=True, slots=True)
class _Site:
    container: dict[str, Any] | list[Any]
    key: Any
    path: str
    field_class: FieldClass

    @property
    def value(self) -> Any:
        return self.container[self.key]


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
            _open(key, sites, ClassBinding(case_id, event, field_class, [s.path for s in sites]))
        return result


def encrypt_v1(
    model: BaseModel, key: DataKey, *, case_id: str, event_id: UUID | str
) -> dict[str, Any]:
    """The payload as events before decision 0029 carry it, one v1 seal per field. Nothing
    writes it any more: the tests that old events still open and B8's v1 figure build it."""
    payload = model.model_dump(mode="json")
    event = str(event_id)
    for sites in _classes_of(payload, plan_of(type(model))).values():
        for site in sites:
            sealed = seal(key, _to_json(site.value), FieldBinding(case_id, event, site.path))
            site.container[site.key] = sealed
    return payload


def _seal(
    classes: Mapping[FieldClass, Sequence[_Site]], key: DataKey, case_id: str, event: str
) -> None:
    for field_class, sites in classes.items():
        binding = ClassBinding(case_id, event, field_class, [site.path for site in sites])
        sealed = seal_class(key, [_to_json(site.value) for site in sites], binding)
        for site, ciphertext in zip(sites, sealed, strict=True):
            site.container[site.key] = ciphertext


def _open(key: DataKey | None, sites: Sequence[_Site], binding: ClassBinding) -> None:
    """The class's fields in plaintext (`ERASED` without a key), in either format."""
    values = [site.value for site in sites]
    first = values[0]
    if type(first) is dict and first.get("enc") == V1:
        event = binding.event_id
        for site, value in zip(sites, values, strict=True):
            ciphertext = parse(value, site.path)
            if key is None:
                site.container[site.key] = ERASED
                continue
            field = FieldBinding(binding.case_id, event, site.path)
            site.container[site.key] = _from_json(open_sealed(key, ciphertext, field))
        return
    parsed = parse_class(values, binding)
    if key is None:
        for site in sites:
            site.container[site.key] = ERASED
        return
    for site, plaintext in zip(sites, open_class(key, parsed, binding), strict=True):
        site.container[site.key] = _from_json(plaintext)


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
    leaves are kept without a call each: most values are)."""
    if isinstance(value, Mapping):
        return {key: item if type(item) in _LEAVES else _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if type(item) in _LEAVES else _copy(item) for item in value]
    return value


_LEAVES = frozenset({str, int, float, bool, type(None)})


def _classes_of(data: Mapping[str, Any], plan: PersonalPlan) -> dict[FieldClass, list[_Site]]:
    """The personal values of `data` by class, each class in plan order (the order a v2
    ciphertext binds)."""
    classes: dict[FieldClass, list[_Site]] = {}
    for site in _sites(data, plan, ""):
        classes.setdefault(site.field_class, []).append(site)
    return classes


def _sites(data: Mapping[str, Any], plan: PersonalPlan, prefix: str) -> Iterator[_Site]:
    if not isinstance(data, dict):
        raise CiphertextError(f"{prefix.rstrip('.') or '<root>'}: expected an object")
    for name, node in plan.fields.items():
        yield from _visit(data, name, node, f"{prefix}{name}")


def _visit(container: Any, key: Any, node: Node, path: str) -> Iterator[_Site]:
    value = container.get(key) if isinstance(container, dict) else container[key]
    if value is None:
        return
    if isinstance(node, FieldClass):
        yield _Site(container, key, path, node)
    elif isinstance(node, Each):
        if not isinstance(value, list):
            raise CiphertextError(f"{path}: expected a list")
        for index in range(len(value)):
            yield from _visit(value, index, node.item, f"{path}.{index}")
    else:
        yield from _sites(value, node, f"{path}.")
