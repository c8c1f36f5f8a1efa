"""How a consumer reads events: through the contracts, into tolerant read models of its own.

Each consumer declares once what it reads (event type -> its read model of the latest version,
of only the fields it needs; personal fields with the class it may open), any older version it
reads as it is, and what it deliberately ignores. Anything else raises an `UnknownEventError`
(a `PermanentHandlingError`) that says in words what is unknown and for which consumer, never
a payload value: the bus dead-letters the message with that reason, nothing is dropped silently.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.bus.errors import PermanentHandlingError
from shared.contracts.compatibility import check_backward_compatible
from shared.contracts.declaring import (
    ContractError,
    ContractRegistry,
    Payload,
    UnknownEventError,
    unknown_reason,
)
from shared.contracts.registry import CONTRACTS
from shared.envelope import Envelope
from shared.validation import summarize


class UnreadablePayloadError(PermanentHandlingError):
    """A declared event whose payload the consumer's read model cannot read (fields and
    reasons named, never values)."""


@dataclass(frozen=True)
class ConsumerReads:
    """What one consumer reads, checked against the registry when it is declared."""

    consumer: str
    reads: Mapping[str, type[BaseModel]]
    ignores: frozenset[str] = frozenset()
    older: Mapping[tuple[str, int], type[BaseModel]] = field(default_factory=dict)
    """Older versions read as they are (declared `read_as_is` in the registry), by their own
    read model; every other older version is upcast and read by `reads`."""
    registry: ContractRegistry = CONTRACTS

    def __post_init__(self) -> None:
        for event_type in [*self.reads, *self.ignores]:
            if not self.registry.knows(event_type):
                raise ContractError(f"{self.consumer}: {event_type!r} is not a declared type")
        for event_type, version in self.older:
            if not self.registry.is_read_as_is(event_type, version):
                raise ContractError(
                    f"{self.consumer}: {event_type} v{version} is not declared read-as-is"
                )
        if both := set(self.reads) & self.ignores:
            raise ContractError(f"{self.consumer}: reads and ignores {sorted(both)}")

    def model_for(self, envelope: Envelope) -> type[BaseModel] | None:
        """The read model of `envelope`'s payload, None for a type this consumer ignores;
        raises UnknownEventError for anything else (the DLQ reason)."""
        event_type, version = envelope.type, envelope.schema_version
        if not self.registry.knows(event_type, version):
            raise UnknownEventError(
                f"{self.consumer}: {unknown_reason(self.registry, event_type, version)}"
            )
        if event_type in self.ignores:
            return None
        if (event_type, version) in self.older:
            return self.older[(event_type, version)]
        if event_type not in self.reads:
            raise UnknownEventError(f"{self.consumer} neither reads nor ignores {event_type}")
        if not self.registry.can_upcast(event_type, version):
            raise UnknownEventError(f"{self.consumer} has no reader for {event_type} v{version}")
        return self.reads[event_type]

    def payload(self, envelope: Envelope) -> Payload:
        """The payload lifted to the version `model_for` reads. Upcasters move fields, never
        open them: a sealed field keeps its name (its ciphertext is bound to it)."""
        if (envelope.type, envelope.schema_version) in self.older:
            return dict(envelope.payload)
        return self.registry.upcast(envelope.type, envelope.schema_version, dict(envelope.payload))

    def decode(self, envelope: Envelope, opened: Payload | None = None) -> BaseModel | None:
        """The payload as the consumer's read model; None for a type it ignores.

        A payload with sealed fields is opened by the consumer's codec first, with `model_for`
        as the schema, on `payload(envelope)`; pass the opened payload as `opened`.
        """
        model = self.model_for(envelope)
        if model is None:
            return None
        try:
            return model.model_validate(self.payload(envelope) if opened is None else opened)
        except ValidationError as error:
            # `from None`: the ValidationError quotes the payload, which may be personal.
            raise UnreadablePayloadError(
                f"{self.consumer}: {envelope.type} v{envelope.schema_version}: {summarize(error)}"
            ) from None


def check_reads(reads: ConsumerReads) -> list[str]:
    """Where a consumer's read models could not read what the contracts allow: a field read
    that the contract does not have, a type or bound narrower than the contract's, a field
    required that the contract leaves optional, a personal field read with another class (or
    as plain text). A consumer's contract test asserts this is empty."""
    wanted: list[tuple[str, int, type[BaseModel]]] = [
        (event_type, reads.registry.latest(event_type).version, model)
        for event_type, model in reads.reads.items()
    ]
    wanted += [(event_type, version, model) for (event_type, version), model in reads.older.items()]
    problems: list[str] = []
    for event_type, version, model in wanted:
        contract = reads.registry.get(event_type, version)
        problems.extend(
            f"{reads.consumer} reads {contract.name}: {problem}"
            for problem in check_backward_compatible(
                _schema(contract.payload), _schema(model), tolerant_reader=True
            )
        )
    return problems


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")
