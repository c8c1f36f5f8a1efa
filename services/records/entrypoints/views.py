"""Domain results to API answers."""

from services.records.domain.case_view import CaseView
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.timeline import TimelineEntry, Window
from services.records.entrypoints.schemas import (
    CaseResponse,
    CheckpointResponse,
    DecisionOut,
    HoldOut,
    TimelineEventOut,
    TimelineResponse,
)
from services.records.service_layer.reads import Timeline
from shared.merkle import encoding


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
    if checkpoint is None:
        return None
    return CheckpointResponse(
        size=checkpoint.size,
        root_hash=encoding.encode(checkpoint.root_hash),
        issued_at=checkpoint.issued_at,
        note=checkpoint.note,
    )
