"""Personal field declarations (`Identity[str]`, ...) and the plan of where a model keeps them."""

import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, Field

from shared.crypto.errors import CryptoError

T = TypeVar("T")


class FieldClass(StrEnum):
    IDENTITY = "identity"  # name, e-mail, phone, address
    CONTENT = "content"  # free text, demand details
    RECORDING = "recording"  # recording references


@dataclass(frozen=True, slots=True)
class Personal:
    """Marks a field as personal data of one class: `Annotated[str, Personal("identity")]`."""

    field_class: FieldClass

    def __init__(self, field_class: FieldClass | str) -> None:
        object.__setattr__(self, "field_class", FieldClass(field_class))


PERSONAL_SCHEMA_KEY = "x-personal"
"""How a JSON Schema marks a personal field, with its class: the event contracts carry it, so
every consumer knows which fields arrive sealed and which grant opens them."""


def _marked(field_class: FieldClass) -> Any:
    return Field(json_schema_extra={PERSONAL_SCHEMA_KEY: field_class.value})


# The spellings models use; generic aliases, so mypy and pydantic both understand them.
Identity = Annotated[T, Personal(FieldClass.IDENTITY), _marked(FieldClass.IDENTITY)]
Content = Annotated[T, Personal(FieldClass.CONTENT), _marked(FieldClass.CONTENT)]
Recording = Annotated[T, Personal(FieldClass.RECORDING), _marked(FieldClass.RECORDING)]


@dataclass(frozen=True, slots=True)
class Each:
    """Every item of a list or tuple holds `item` (a field class or a nested plan)."""

    item: "Node"


@dataclass(frozen=True, slots=True)
class PersonalPlan:
    """Where a model's personal values sit in its `model_dump()`, by field name."""

    fields: Mapping[str, "Node"]

    def classes(self) -> frozenset[FieldClass]:
        return _plan_classes(self)


Node = FieldClass | PersonalPlan | Each


@cache
def plan_of(model: type[BaseModel]) -> PersonalPlan:
    """The plan of `model`; raises CryptoError for a shape the codec cannot cover safely."""
    fields: dict[str, Node] = {}
    for name, info in model.model_fields.items():
        node = _node(info.annotation, info.metadata, f"{model.__name__}.{name}")
        if node is not None:
            fields[name] = node
    return PersonalPlan(fields)


def _node(annotation: Any, metadata: Sequence[Any], where: str) -> Node | None:
    for item in metadata:
        if isinstance(item, Personal):
            return item.field_class
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _node(args[0], args[1:], where)
    if origin in (Union, types.UnionType):
        # A list, not a set: a nested model's plan holds a dict and cannot be hashed.
        nodes: list[Node] = []
        for arg in args:
            node = _node(arg, (), where)
            if node is not None and node not in nodes:
                nodes.append(node)
        if len(nodes) > 1:
            raise CryptoError(f"{where}: a union of differently protected types")
        return nodes[0] if nodes else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        plan = plan_of(annotation)
        return plan if plan.fields else None
    if origin in (list, tuple) and args and (len(args) == 1 or args[1] is Ellipsis):
        item = _node(args[0], (), where)
        return Each(item) if item is not None else None
    if any(_node(arg, (), where) is not None for arg in args if arg is not Ellipsis):
        # Silently skipping would leave personal data in plaintext.
        raise CryptoError(f"{where}: personal data inside {origin} is not supported")
    return None


def _plan_classes(plan: PersonalPlan) -> frozenset[FieldClass]:
    # Kept by identity (a plan holds a dict, so it cannot be hashed), with the plan itself,
    # so its id cannot be reused while the entry lives. Plans come from `plan_of`: one per model.
    found = _CLASSES.get(id(plan))
    if found is None:
        found = _CLASSES[id(plan)] = (plan, frozenset(_classes(plan)))
    return found[1]


_CLASSES: dict[int, tuple[PersonalPlan, frozenset[FieldClass]]] = {}


def _classes(node: Node) -> Iterator[FieldClass]:
    if isinstance(node, FieldClass):
        yield node
    elif isinstance(node, Each):
        yield from _classes(node.item)
    else:
        for child in node.fields.values():
            yield from _classes(child)
