"""How a consumer reads events: through the catalogue, into read models of its own.

Each consumer declares once what it reads (event type -> its tolerant read model of the
latest version, plus any older version it reads as it is) and what it deliberately ignores.
An event whose type or version is not in the catalogue, or a declared type the consumer
neither reads nor ignores, raises a `PermanentHandlingError` that says so in words (never a
payload value): the bus dead-letters it with that reason, so nothing is dropped in silence.
An older version with an upcaster is lifted to the latest before it is read.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.bus.errors import PermanentHandlingError
from shared.contracts.catalogue import CATALOGUE, ContractError
from shared.contracts.compatibility import check_backward_compatible
from shared.contracts.schemas import committed_schema
from shared.envelope import Envelope
from shared.validation import summarize

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

UPCASTERS: dict[tuple[str, int], Upcaster] = {}
"""(type, from_version) -> the function that turns that version's payload into the next one.
Registered beside the contract that needs one (none does yet: the only older version,
`case.anonymized` v1, carried a copy its readers handle as it is)."""


class UnknownEventError(PermanentHandlingError):
    """An event type or version the catalogue does not declare, or one this consumer was
    never told to read or ignore; retrying cannot help."""


class UnreadablePayloadError(PermanentHandlingError):
    """A declared event whose payload the consumer's read model cannot read (fields named,
    never values)."""


@dataclass(frozen=True)
class ConsumerReads:
    """What one consumer reads, checked against the catalogue when it is declared."""

    consumer: str
    reads: Mapping[str, type[BaseModel]]
    ignores: frozenset[str] = frozenset()
    older: Mapping[tuple[str, int], type[BaseModel]] = field(default_factory=dict)
    """Older versions read as they are, by their own read model (no upcaster)."""

    def __post_init__(self) -> None:
        declared = [*self.reads, *self.ignores, *(t for t, _ in self.older)]
        for event_type in declared:
            if not CATALOGUE.knows(event_type):
                raise ContractError(f"{self.consumer}: {event_type!r} is not a declared type")
        for event_type, version in self.older:
            if not CATALOGUE.knows(event_type, version):
                raise ContractError(f"{self.consumer}: {event_type} v{version} is not declared")
        if both := set(self.reads) & self.ignores:
            raise ContractError(f"{self.consumer}: reads and ignores {sorted(both)}")

    def model_for(self, envelope: Envelope) -> type[BaseModel] | None:
        """The read model of `envelope`'s payload, None for a type this consumer ignores;
        raises UnknownEventError for anything else."""
        event_type, version = envelope.type, envelope.schema_version
        if not CATALOGUE.knows(event_type):
            raise UnknownEventError(f"{self.consumer}: event type {event_type!r} is not declared")
        if not CATALOGUE.knows(event_type, version):
            known = ", ".join(f"v{v}" for v in CATALOGUE.versions(event_type))
            raise UnknownEventError(
                f"{self.consumer}: {event_type} v{version} is not declared (known: {known})"
            )
        if event_type in self.ignores:
            return None
        if (event_type, version) in self.older:
            return self.older[(event_type, version)]
        if event_type not in self.reads:
            raise UnknownEventError(f"{self.consumer} neither reads nor ignores {event_type}")
        if version != CATALOGUE.latest(event_type).version and not _can_upcast(
            event_type, version
        ):
            raise UnknownEventError(f"{self.consumer} has no reader for {event_type} v{version}")
        return self.reads[event_type]

    def payload(self, envelope: Envelope) -> Payload:
        """The payload lifted to the version `model_for` reads."""
        if (envelope.type, envelope.schema_version) in self.older:
            return dict(envelope.payload)
        return upcast(envelope.type, envelope.schema_version, dict(envelope.payload))

    def decode(self, envelope: Envelope) -> BaseModel | None:
        """The payload as the consumer's read model (None: ignored). For payloads without
        sealed fields; a consumer that opens personal fields passes `model_for` to its codec."""
        model = self.model_for(envelope)
        if model is None:
            return None
        try:
            return model.model_validate(self.payload(envelope))
        except ValidationError as error:
            # `from None`: the ValidationError quotes the payload, which may be personal.
            raise UnreadablePayloadError(
                f"{self.consumer}: {envelope.type} v{envelope.schema_version}: {summarize(error)}"
            ) from None


def upcast(event_type: str, version: int, payload: Payload) -> Payload:
    """`payload`, written as `version`, lifted step by step to the latest version."""
    latest = CATALOGUE.latest(event_type).version
    for step in range(version, latest):
        upcaster = UPCASTERS.get((event_type, step))
        if upcaster is None:
            raise UnknownEventError(f"{event_type}: no upcaster from v{step}")
        payload = upcaster(payload)
    return payload


def _can_upcast(event_type: str, version: int) -> bool:
    latest = CATALOGUE.latest(event_type).version
    return all((event_type, step) in UPCASTERS for step in range(version, latest))


def check_reads(reads: ConsumerReads) -> list[str]:
    """Where a consumer's read models could not read what the contracts allow: a field read
    that no version declares, a type or bound narrower than the contract's, a personal field
    read with another class (or as plain text). A consumer's contract test asserts none."""
    problems: list[str] = []
    wanted = [
        *((event_type, CATALOGUE.latest(event_type).version, model) for event_type, model in reads.reads.items()),
        *((event_type, version, model) for (event_type, version), model in reads.older.items()),
    ]
    for event_type, version, model in wanted:
        contract_schema = committed_schema(event_type, version)
        read_schema = model.model_json_schema(mode="validation")
        problems.extend(
            f"{reads.consumer} reads {event_type} v{version}: {problem}"
            for problem in check_backward_compatible(
                contract_schema, read_schema, tolerant_reader=True
            )
        )
    return problems
