"""What records' API answers, and the domain's results turned into it; hashes are standard
base64, as in the C2SP formats."""

from datetime import datetime

from pydantic import BaseModel, Field, JsonValue

from services.records.domain.case_view import CaseView
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.timeline import TimelineEntry, Window
from services.records.service_layer.messages import Timeline
from shared.merkle import encoding


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
    total_events: int = Field(
        description="events the window admits: more than `events` when `latest` limited them"
    )


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


def case_response(view: CaseView, key_destroyed: bool, window: Window) -> CaseResponse:
    return CaseResponse(
        case_id=view.case_id,
        status=view.status,
        subject_id=view.subject_id,
        channel=view.channel,
        opened_at=view.opened_at,
        last_occurred_at=view.last_occurred_at,
        events=view.events,
        contacts=view.contacts,
        recordings=view.recordings,
        final_answer_given=view.final_answer_given,
        closure_requested=view.closure_requested,
        decisions=[
            DecisionOut(
                event_id=d.event_id,
                type=d.event_type,
                outcome=d.outcome,
                rules=list(d.rules),
                policy_version=d.policy_version,
                occurred_at=d.occurred_at,
            )
            for d in view.decisions
        ],
        holds=[
            HoldOut(hold_id=h.hold_id, matter=h.matter, placed_at=h.placed_at)
            for h in view.holds.values()
        ],
        anonymized=view.anonymized,
        erased=view.erased,
        key_destroyed=key_destroyed,
        accesses=view.accesses,
        as_of=window.as_of,
        valid_at=window.valid_at,
    )


def timeline_response(timeline: Timeline, *, revealed: bool) -> TimelineResponse:
    return TimelineResponse(
        case_id=timeline.case_id,
        as_of=timeline.window.as_of,
        valid_at=timeline.window.valid_at,
        revealed=revealed,
        access_event_id=timeline.access_event_id,
        key_destroyed=timeline.key_destroyed,
        events=[_event(entry) for entry in timeline.entries],
        total_events=timeline.admitted,
    )


def _event(entry: TimelineEntry) -> TimelineEventOut:
    envelope, stored = entry.event.envelope, entry.event.stored
    return TimelineEventOut(
        event_id=str(envelope.event_id),
        type=envelope.type,
        schema_version=envelope.schema_version,
        position=stored.position,
        case_position=stored.case_position,
        occurred_at=envelope.occurred_at,
        recorded_at=envelope.recorded_at,
        stored_at=stored.stored_at,
        producer=envelope.producer,
        payload=entry.payload,
        revealed_fields=list(entry.revealed_fields),
        unreadable=entry.unreadable,
    )


def checkpoint_response(checkpoint: StoredCheckpoint | None) -> CheckpointResponse | None:
    return None if checkpoint is None else known_checkpoint(checkpoint)


def known_checkpoint(checkpoint: StoredCheckpoint) -> CheckpointResponse:
    return CheckpointResponse(
        size=checkpoint.size,
        root_hash=encoding.encode(checkpoint.root_hash),
        issued_at=checkpoint.issued_at,
        note=checkpoint.note,
    )
