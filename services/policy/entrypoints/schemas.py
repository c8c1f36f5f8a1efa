"""Request and response bodies of policy's REST API."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from services.policy.domain import ConsultationFacts, Decision, SubjectHistory

VersionHash = Annotated[
    str, Field(pattern=r"^[0-9a-f]{64}$", description="A policy version: SHA-256, hex")
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PolicyOut(BaseModel):
    """The policy in force: its version and every rule with its thresholds and lexicons."""

    version: str
    schema_version: int
    guideline: dict[str, JsonValue]
    retention: dict[str, JsonValue]
    rules: dict[str, JsonValue]
    evidence: dict[str, JsonValue] = Field(
        description="Evidence limits in force: the file's, or the defaults when it states none"
    )


class PolicyVersionOut(BaseModel):
    version: str
    current: bool
    first_seen_at: datetime
    file_text: str = Field(description="The policy file as it was first loaded in this version")
    canonical_json: str = Field(description="What the version hashes: SHA-256 of these bytes")


class EvaluateRequest(_Request):
    """A consultation's non-identity facts (content as text; identity only as has_name and
    has_email_or_phone) and, optionally, the subject's history and an earlier version."""

    consultation: ConsultationFacts
    history: SubjectHistory = SubjectHistory()
    policy_version: VersionHash | None = Field(
        default=None, description="Decide under this earlier version instead of the current one"
    )


class ReplayRequest(_Request):
    policy_version: VersionHash
    events: list[dict[str, JsonValue]] = Field(
        min_length=1,
        max_length=10_000,
        description="The case's recorded events, as envelopes, in the order they were recorded",
    )


class ReplayedOut(BaseModel):
    event_id: str = Field(description="The event decided (the decision's causation_id)")
    event_type: str
    decision_type: str
    decision: Decision


class ReplayResponse(BaseModel):
    policy_version: str
    decision: Decision | None = Field(description="The decision on the last decided event")
    decisions: list[ReplayedOut]
