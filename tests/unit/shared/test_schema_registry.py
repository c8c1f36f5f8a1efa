"""Payload schemas by type and version: upcasting, export, and the gate against breaking changes."""

import json
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from shared.bus.errors import PermanentHandlingError
from shared.schemas.exported import check_against_exported
from shared.schemas.registry import (
    InvalidPayloadError,
    SchemaRegistry,
    SchemaRegistryError,
    UnknownEventError,
)

EVENT = "sample.received"


class ReceivedV1(BaseModel):
    channel: Literal["phone", "email"]
    summary: str


class ReceivedV2(BaseModel):
    channel: Literal["phone", "email"]
    summary: str
    language: str


class ReceivedV3(BaseModel):
    channel: Literal["phone", "email"]
    summary: str
    language: str
    urgent: bool


def sample_registry() -> SchemaRegistry:
    registry = SchemaRegistry()
    registry.register(EVENT, 1, ReceivedV1)
    registry.register(EVENT, 2, ReceivedV2)

    @registry.upcaster(EVENT, 1)
    def add_language(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "language": "ja"}

    return registry


def test_old_payloads_are_upcast_to_the_latest_version() -> None:
    registry = sample_registry()

    payload = registry.upcast(EVENT, 1, {"channel": "phone", "summary": "s"})

    assert payload == {"channel": "phone", "summary": "s", "language": "ja"}
    assert registry.latest_version(EVENT) == 2


def test_upcasting_chains_through_every_version() -> None:
    registry = sample_registry()
    registry.register(EVENT, 3, ReceivedV3)
    registry.upcaster(EVENT, 2)(lambda payload: {**payload, "urgent": False})

    parsed = registry.parse(EVENT, 1, {"channel": "email", "summary": "s"})

    assert parsed == ReceivedV3(channel="email", summary="s", language="ja", urgent=False)


def test_latest_payloads_pass_through_unchanged() -> None:
    payload = {"channel": "phone", "summary": "s", "language": "en"}

    assert sample_registry().upcast(EVENT, 2, payload) == payload


def test_class_decorator_registers() -> None:
    registry = SchemaRegistry()

    @registry.event("sample.closed", 1)
    class Closed(BaseModel):
        reason: str

    assert registry.model("sample.closed", 1) is Closed


@pytest.mark.parametrize(("event_type", "version"), [("sample.unknown", 1), (EVENT, 3), (EVENT, 0)])
def test_unknown_types_and_versions_are_permanent_errors(event_type: str, version: int) -> None:
    with pytest.raises(UnknownEventError) as raised:
        sample_registry().upcast(event_type, version, {})

    assert isinstance(raised.value, PermanentHandlingError)


def test_invalid_payloads_name_fields_not_values() -> None:
    with pytest.raises(InvalidPayloadError) as raised:
        sample_registry().parse(EVENT, 2, {"channel": "fax", "summary": "taro@example.com"})

    assert "channel" in str(raised.value)
    assert "language: Field required" in str(raised.value)
    assert "taro" not in str(raised.value)


def test_registration_mistakes_are_caught() -> None:
    registry = sample_registry()
    with pytest.raises(SchemaRegistryError, match="twice"):
        registry.register(EVENT, 2, ReceivedV2)
    with pytest.raises(SchemaRegistryError, match="two upcasters"):
        registry.upcaster(EVENT, 1)(lambda payload: payload)

    registry.register(EVENT, 3, ReceivedV3)
    with pytest.raises(SchemaRegistryError, match="no upcaster from v2"):
        registry.check_complete()

    gap = SchemaRegistry()
    gap.register(EVENT, 2, ReceivedV2)
    with pytest.raises(SchemaRegistryError, match="gap"):
        gap.check_complete()


def test_a_complete_registry_passes_the_check() -> None:
    sample_registry().check_complete()


def test_export_writes_one_stable_file_per_version(tmp_path: Path) -> None:
    registry = sample_registry()

    written = registry.export_schemas(tmp_path)

    assert [path.name for path in written] == [
        "sample.received.v1.schema.json",
        "sample.received.v2.schema.json",
    ]
    schema = json.loads(written[1].read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["channel", "summary", "language"]
    before = [path.read_bytes() for path in written]
    registry.export_schemas(tmp_path)
    assert [path.read_bytes() for path in written] == before


def test_exported_schemas_pass_the_gate_unchanged(tmp_path: Path) -> None:
    sample_registry().export_schemas(tmp_path)

    assert check_against_exported(sample_registry(), tmp_path) == []


def test_compatible_change_to_an_exported_version_passes(tmp_path: Path) -> None:
    sample_registry().export_schemas(tmp_path)

    class ReceivedV2WithOptional(ReceivedV2):
        note_count: int = 0

    changed = SchemaRegistry()
    changed.register(EVENT, 1, ReceivedV1)
    changed.register(EVENT, 2, ReceivedV2WithOptional)

    assert check_against_exported(changed, tmp_path) == []


def test_breaking_change_to_an_exported_version_is_reported(tmp_path: Path) -> None:
    sample_registry().export_schemas(tmp_path)
    changed = SchemaRegistry()
    changed.register(EVENT, 1, ReceivedV2)  # v1 now demands `language`: old v1 documents fail
    changed.register(EVENT, 2, ReceivedV2)

    assert check_against_exported(changed, tmp_path) == [
        "sample.received v1: $.language: newly required"
    ]


def test_removed_and_unexported_versions_are_reported(tmp_path: Path) -> None:
    sample_registry().export_schemas(tmp_path)
    changed = SchemaRegistry()
    changed.register(EVENT, 1, ReceivedV1)
    changed.register("sample.closed", 1, ReceivedV1)

    assert check_against_exported(changed, tmp_path) == [
        "sample.received v2: exported but no longer registered",
        "sample.closed v1: not exported yet (sample.closed.v1.schema.json)",
    ]
