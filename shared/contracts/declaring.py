"""What an event contract is, and the registry that holds every one of them.

An `EventContract` is one version of one event type: its producer, its payload model (the
producer's wire model, living in `shared/contracts/<producer>.py`), what the message key is,
and, derived from the model's `Identity[...]`/`Content[...]`/`Recording[...]` annotations,
which payload fields are personal and of which class. Nothing about an event is written twice.
"""

import builtins
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.bus.errors import PermanentHandlingError
from shared.crypto.fields import Each, FieldClass, Node, PersonalPlan, plan_of
from shared.envelope import Envelope, utc_now
from shared.errors import CaselogError

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class ContractError(CaselogError):
    """A declaration or a reader that does not fit the registry (a wiring mistake)."""


class UnknownEventError(PermanentHandlingError):
    """An event type or version no contract declares, or one a consumer neither reads nor
    ignores; retrying cannot help, so the bus dead-letters it with this reason."""


class MessageKey(StrEnum):
    """What the envelope's message key is, and so what stays in order on one partition."""

    SUBJECT = "subject"  # the subject where known, else the case (a person's events in order)
    CASE = "case"  # the case (a compacted topic keeps the newest per case)


@dataclass(frozen=True, slots=True)
class EventContract:
    """One version of one event type. `payload` is the model producers build and validate."""

    type: str
    version: int
    producer: str
    payload: builtins.type[BaseModel]  # `type` is a field name here
    description: str
    key: MessageKey = MessageKey.SUBJECT

    @property
    def name(self) -> str:
        return f"{self.type} v{self.version}"

    @property
    def event_type(self) -> str:
        """The old `EventKind.event_type` spelling, until its last user moves to `type`."""
        return self.type

    @property
    def schema_version(self) -> int:
        """The old `EventKind.schema_version` spelling, until its last user moves to `version`."""
        return self.version

    @property
    def personal_fields(self) -> Mapping[str, FieldClass]:
        """Each personal field by dotted path (`customer.name`; `[]` for a list's items)."""
        return personal_paths(self.payload)

    def envelope(
        self,
        payload: BaseModel,
        *,
        case_id: str,
        subject_id: str | None,
        occurred_at: datetime,
        correlation_id: str,
        causation_id: str | None = None,
        event_id: UUID | None = None,
        recorded_at: datetime | None = None,
    ) -> Envelope:
        """The envelope of this event: type, version and producer from the contract, the
        payload dumped in JSON mode. Raises ContractError for a payload of another model."""
        if not isinstance(payload, self.payload):
            raise ContractError(
                f"{self.name} carries {self.payload.__name__}, not {type(payload).__name__}"
            )
        fields: dict[str, Any] = {"event_id": event_id} if event_id is not None else {}
        return Envelope(
            **fields,
            type=self.type,
            schema_version=self.version,
            case_id=case_id,
            subject_id=subject_id,
            occurred_at=occurred_at,
            recorded_at=recorded_at or utc_now(),
            producer=self.producer,
            causation_id=causation_id,
            correlation_id=correlation_id,
            payload=payload.model_dump(mode="json"),
        )

    def follow_up(self, cause: Envelope, payload: BaseModel) -> Envelope:
        """This event caused by `cause`: same case, subject and correlation."""
        return self.envelope(
            payload,
            case_id=cause.case_id,
            subject_id=cause.subject_id,
            occurred_at=utc_now(),
            correlation_id=cause.correlation_id,
            causation_id=str(cause.event_id),
        )


def personal_paths(model: type[BaseModel]) -> dict[str, FieldClass]:
    """The personal fields of `model` by dotted path, read from its annotations."""
    return dict(_paths(plan_of(model), ""))


def _paths(node: Node, path: str) -> Iterator[tuple[str, FieldClass]]:
    if isinstance(node, FieldClass):
        yield path, node
    elif isinstance(node, Each):
        yield from _paths(node.item, f"{path}[]")
    elif isinstance(node, PersonalPlan):
        for name, child in node.fields.items():
            yield from _paths(child, f"{path}.{name}" if path else name)


class ContractRegistry:
    """Every contract by type and version, and the upcasters that lift an old version's
    payload to the next one. Versions run 1..n; every version below n has an upcaster unless
    it is declared `read_as_is` (its readers take the old shape, see `ConsumerReads.older`)."""

    def __init__(
        self,
        contracts: Iterable[EventContract],
        upcasters: Mapping[tuple[str, int], Upcaster] | None = None,
        read_as_is: Iterable[tuple[str, int]] = (),
    ) -> None:
        self._by_key: dict[tuple[str, int], EventContract] = {}
        for contract in contracts:
            key = (contract.type, contract.version)
            if key in self._by_key:
                raise ContractError(f"{contract.name} is declared twice")
            self._by_key[key] = contract
        self._upcasters = dict(upcasters or {})
        self._read_as_is = frozenset(read_as_is)
        for event_type in self.types():
            versions = self.versions(event_type)
            if versions != list(range(1, len(versions) + 1)):
                raise ContractError(f"{event_type}: versions {versions} have a gap")
        for event_type, version in [*self._upcasters, *self._read_as_is]:
            if not self.knows(event_type, version) or version >= self.latest(event_type).version:
                raise ContractError(f"{event_type} v{version} is not an older declared version")

    def __iter__(self) -> Iterator[EventContract]:
        return iter(sorted(self._by_key.values(), key=lambda c: (c.type, c.version)))

    def types(self) -> list[str]:
        return sorted({event_type for event_type, _ in self._by_key})

    def versions(self, event_type: str) -> list[int]:
        return sorted(version for kind, version in self._by_key if kind == event_type)

    def knows(self, event_type: str, version: int | None = None) -> bool:
        if version is None:
            return bool(self.versions(event_type))
        return (event_type, version) in self._by_key

    def get(self, event_type: str, version: int) -> EventContract:
        try:
            return self._by_key[(event_type, version)]
        except KeyError:
            raise ContractError(f"{event_type} v{version} is not a declared contract") from None

    def latest(self, event_type: str) -> EventContract:
        versions = self.versions(event_type)
        if not versions:
            raise ContractError(f"{event_type!r} is not a declared event type")
        return self._by_key[(event_type, versions[-1])]

    def latest_contracts(self) -> list[EventContract]:
        return [self.latest(event_type) for event_type in self.types()]

    def produced_by(self, producer: str) -> list[str]:
        """The types `producer` publishes (each once, whatever its versions)."""
        return sorted({c.type for c in self._by_key.values() if c.producer == producer})

    def is_read_as_is(self, event_type: str, version: int) -> bool:
        return (event_type, version) in self._read_as_is

    def can_upcast(self, event_type: str, version: int) -> bool:
        latest = self.latest(event_type).version
        return all((event_type, step) in self._upcasters for step in range(version, latest))

    def upcast(self, event_type: str, version: int, payload: Payload) -> Payload:
        """`payload`, written as `version`, lifted step by step to the latest version."""
        if not self.knows(event_type, version):
            raise UnknownEventError(unknown_reason(self, event_type, version))
        for step in range(version, self.latest(event_type).version):
            upcaster = self._upcasters.get((event_type, step))
            if upcaster is None:
                raise UnknownEventError(f"{event_type}: no upcaster from v{step}")
            payload = upcaster(payload)
        return payload

    def check_complete(self) -> list[str]:
        """Older versions that neither an upcaster lifts nor a reader reads as they are."""
        return [
            f"{event_type} v{version}: no upcaster to v{version + 1} and not read as it is"
            for event_type in self.types()
            for version in self.versions(event_type)[:-1]
            if (event_type, version) not in self._upcasters
            and (event_type, version) not in self._read_as_is
        ]


def unknown_reason(registry: ContractRegistry, event_type: str, version: int) -> str:
    """Why (`event_type`, `version`) is unknown, in words; the type and version are the
    envelope's own metadata (a checked pattern and an int), never payload values."""
    if not registry.knows(event_type):
        return f"event type {event_type!r} is not declared in shared/contracts"
    known = ", ".join(f"v{v}" for v in registry.versions(event_type))
    return f"{event_type} v{version} is not declared (known: {known})"
