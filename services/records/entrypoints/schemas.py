"""What records' API answers; hashes are standard base64, as in the C2SP formats."""

from datetime import datetime

from pydantic import BaseModel, Field, JsonValue


class DecisionOut(BaseModel):
    event_id: str
    type: str
    outcome: str
    rules: list[str]
    policy_version: str | None
    occurred_at: datetime


class HoldOut(BaseModel):
    hold_id: str
    matter: str | None
    placed_at: datetime


class CaseResponse(BaseModel):
    """The case as its events (admitted by as_of/valid_at) make it; never any personal data."""

    case_id: str
    status: str = Field(description="open, decided (policy decided) or closed")
    subject_id: str | None
    channel: str | None
    opened_at: datetime | None
    last_occurred_at: datetime | None
    events: int
    contacts: int
    recordings: int
    final_answer_given: bool
    closure_requested: str | None
    decisions: list[DecisionOut]
    holds: list[HoldOut] = Field(description="holds in force")
    anonymized: bool
    erased: bool = Field(description="a subject.erased event names the case")
    key_destroyed: bool = Field(description="the case key is shredded: personal data is gone")
    accesses: int = Field(description="reads that revealed personal data")
    as_of: datetime | None
    valid_at: datetime | None


class TimelineEventOut(BaseModel):
    event_id: str
    type: str
    schema_version: int
    position: int = Field(description="leaf index in the Merkle log")
    case_position: int
    occurred_at: datetime
    recorded_at: datetime
    stored_at: datetime
    producer: str
    payload: dict[str, JsonValue] = Field(description="ciphertext as stored, unless revealed")
    revealed_fields: list[str]
    unreadable: bool = False


class TimelineResponse(BaseModel):
    case_id: str
    as_of: datetime | None
    valid_at: datetime | None
    revealed: bool
    access_event_id: str | None = Field(description="the access.recorded event of this reveal")
    key_destroyed: bool
    events: list[TimelineEventOut] = Field(description="in the order they happened")


class CheckpointResponse(BaseModel):
    size: int
    root_hash: str
    issued_at: datetime
    note: str = Field(description="the C2SP signed checkpoint note")


class LogResponse(BaseModel):
    origin: str
    verifier_key: str = Field(description="C2SP note verifier key of the checkpoint signer")
    size: int
    latest_checkpoint: CheckpointResponse | None


class InclusionProofResponse(BaseModel):
    event_id: str
    leaf_index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str] = Field(description="RFC 9162 audit path, leaf's sibling first")
    checkpoint: CheckpointResponse | None = Field(description="the checkpoint of tree_size, if any")


class ConsistencyProofResponse(BaseModel):
    old_size: int
    new_size: int
    hashes: list[str]
    old_checkpoint: CheckpointResponse | None
    new_checkpoint: CheckpointResponse | None
