"""Event payload schemas by (type, version), with upcasters that lift old payloads to the latest."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.bus.errors import PermanentHandlingError
from shared.errors import CaselogError
from shared.validation import summarize

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]
ModelT = TypeVar("ModelT", bound=type[BaseModel])
UpcasterT = TypeVar("UpcasterT", bound=Upcaster)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class SchemaRegistryError(CaselogError):
    """The registry was set up wrongly (a duplicate version, a gap, a missing upcaster)."""


class UnknownEventError(PermanentHandlingError):
    """An event type or version this reader does not know; retrying cannot help."""


class InvalidPayloadError(PermanentHandlingError):
    """A payload that does not match its schema; the message names fields, never values."""


def schema_file_name(event_type: str, version: int) -> str:
    """`<type>.v<version>.schema.json`, the name under which a schema is exported."""
    return f"{event_type}.v{version}.schema.json"


class SchemaRegistry:
    """Payload models per event type and version, plus the upcasters from version n to n+1."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[BaseModel]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, version: int, model: type[BaseModel]) -> None:
        """Declare `model` as the payload of `event_type` at `version` (versions count from 1)."""
        if version < 1:
            raise SchemaRegistryError(f"{event_type}: version must be at least 1, not {version}")
        if (event_type, version) in self._models:
            raise SchemaRegistryError(f"{event_type} v{version} is registered twice")
        self._models[(event_type, version)] = model

    def event(self, event_type: str, version: int) -> Callable[[ModelT], ModelT]:
        """Class decorator form of `register`."""

        def decorate(model: ModelT) -> ModelT:
            self.register(event_type, version, model)
            return model

        return decorate

    def upcaster(self, event_type: str, from_version: int) -> Callable[[UpcasterT], UpcasterT]:
        """Function decorator: the function turns a `from_version` payload into the next one."""

        def decorate(function: UpcasterT) -> UpcasterT:
            if (event_type, from_version) in self._upcasters:
                raise SchemaRegistryError(f"{event_type} v{from_version} has two upcasters")
            self._upcasters[(event_type, from_version)] = function
            return function

        return decorate

    def event_types(self) -> list[str]:
        """Every registered event type, sorted."""
        return sorted({event_type for event_type, _ in self._models})

    def versions(self, event_type: str) -> list[int]:
        """The registered versions of `event_type`, oldest first."""
        return sorted(version for kind, version in self._models if kind == event_type)

    def latest_version(self, event_type: str) -> int:
        """The version readers work with; older payloads are upcast to it."""
        versions = self.versions(event_type)
        if not versions:
            raise UnknownEventError(f"unknown event type {event_type!r}")
        return versions[-1]

    def model(self, event_type: str, version: int) -> type[BaseModel]:
        """The payload model of one version."""
        try:
            return self._models[(event_type, version)]
        except KeyError:
            raise UnknownEventError(f"unknown event {event_type!r} v{version}") from None

    def check_complete(self) -> None:
        """Versions run 1..n without gaps and every version below n has an upcaster."""
        for event_type in self.event_types():
            versions = self.versions(event_type)
            if versions != list(range(1, len(versions) + 1)):
                raise SchemaRegistryError(f"{event_type}: versions {versions} have a gap")
            for version in versions[:-1]:
                if (event_type, version) not in self._upcasters:
                    raise SchemaRegistryError(f"{event_type}: no upcaster from v{version}")

    def upcast(self, event_type: str, version: int, payload: Payload) -> Payload:
        """`payload`, written as `version`, lifted step by step to the latest version."""
        latest = self.latest_version(event_type)
        if version > latest:
            raise UnknownEventError(
                f"{event_type} v{version} is newer than this reader (v{latest})"
            )
        self.model(event_type, version)
        for step in range(version, latest):
            try:
                upcaster = self._upcasters[(event_type, step)]
            except KeyError:
                raise SchemaRegistryError(f"{event_type}: no upcaster from v{step}") from None
            payload = upcaster(payload)
        return payload

    def parse(self, event_type: str, version: int, payload: Payload) -> BaseModel:
        """The payload as an instance of the latest model, upcast first if it is older."""
        latest_payload = self.upcast(event_type, version, payload)
        model = self.model(event_type, self.latest_version(event_type))
        try:
            return model.model_validate(latest_payload)
        except ValidationError as error:
            # `from None`: the ValidationError quotes the payload, which may be personal.
            raise InvalidPayloadError(f"{event_type} v{version}: {summarize(error)}") from None

    def json_schema(self, event_type: str, version: int) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of one payload version."""
        schema = self.model(event_type, version).model_json_schema(mode="validation")
        return {"$schema": JSON_SCHEMA_DIALECT, "$comment": f"{event_type} v{version}", **schema}

    def export_schemas(self, directory: Path) -> list[Path]:
        """Write every version's schema as `<type>.v<version>.schema.json`; returns the paths.

        The output is stable (sorted keys, fixed indentation), so it can be committed and diffed.
        """
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for event_type, version in sorted(self._models):
            path = directory / schema_file_name(event_type, version)
            text = json.dumps(self.json_schema(event_type, version), indent=2, sort_keys=True)
            path.write_text(text + "\n", encoding="utf-8")
            written.append(path)
        return written
