"""The published JSON Schemas of the outbound webhook payloads (`GET /v1/outbound-webhooks/schemas`,
and schemas/webhooks/ in the repository): what a subscriber may rely on, and all it gets."""

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _EventData(_Closed):
    event_id: str = Field(description="the caselog event's id (UUIDv7)")
    event_type: str = Field(description="the caselog event type, e.g. policy.decided")
    case_id: str
    occurred_at: str = Field(description="ISO 8601")
    recorded_at: str = Field(description="ISO 8601")


class DecisionData(_EventData):
    outcome: str | None = Field(description="accept, restrict, refuse or escalate")
    policy_version: str | None
    rules: list[str] = Field(description="the ids of the rules that fired")
    articles: list[str] = Field(description="the guideline articles they cite")
    actions: list[str]


class HoldData(_EventData):
    hold_id: str | None
    scope: str | None
    case_ids: list[str] | None
    placed_at: str | None
    released_at: str | None
    review_at: str | None


class ErasureData(_EventData):
    request_id: str | None
    erased_case_ids: list[str] | None
    held_case_ids: list[str] | None
    erased_at: str | None
    key_destroyed_at: str | None


def _envelope(type_name: str, data: type[_EventData]) -> type[BaseModel]:
    return create_model(
        type_name.replace(".", "_"),
        __base__=_Closed,
        type=(Literal[type_name], ...),  # type: ignore[arg-type]
        timestamp=(str, Field(description="ISO 8601, the event's recorded_at")),
        data=(data, ...),
    )


PAYLOAD_MODELS: dict[str, type[BaseModel]] = {
    "caselog.decision": _envelope("caselog.decision", DecisionData),
    "caselog.closure": _envelope("caselog.closure", DecisionData),
    "caselog.hold": _envelope("caselog.hold", HoldData),
    "caselog.erasure_completion": _envelope("caselog.erasure_completion", ErasureData),
}
PAYLOAD_SCHEMAS: dict[str, Any] = {
    name: model.model_json_schema() for name, model in PAYLOAD_MODELS.items()
}


def schema_files() -> dict[str, str]:
    """The committed form of each schema: `webhooks/v1/<type>.json` under schemas/ (one level
    deeper than the event contracts' `<type>/<version>.json`, which are checked as such)."""
    return {
        f"webhooks/v1/{name}.json": json.dumps(schema, indent=2, sort_keys=True) + "\n"
        for name, schema in PAYLOAD_SCHEMAS.items()
    }


if __name__ == "__main__":
    SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
    for relative, text in schema_files().items():
        (SCHEMAS / relative).parent.mkdir(parents=True, exist_ok=True)
        (SCHEMAS / relative).write_text(text, encoding="utf-8")
        print(f"schemas/{relative}")
