"""`subject.erased` envelopes for policy tests, made with privacy's own payload model: if
policy's read of it drifts from what privacy publishes, these tests fail."""

from typing import Any

from services.privacy.domain.events import PRODUCER, SUBJECT_ERASED, SubjectErased
from shared.envelope import Envelope, utc_now
from shared.ids import new_event_id


def subject_erased(
    subject_id: str,
    case_id: str,
    *,
    erased: tuple[str, ...] | None = None,
    held: tuple[str, ...] = (),
) -> Envelope:
    """What privacy publishes for one erased case of `subject_id`; `erased`: the request's
    erased cases (default: only `case_id`), `held`: its cases kept by a hold."""
    now = utc_now()
    payload = SubjectErased(
        request_id=f"req-{new_event_id().hex[:12]}",
        subject_ids=(subject_id,),
        key_id=f"key-{case_id}",
        key_destroyed_at=now,
        erased_case_ids=erased if erased is not None else (case_id,),
        held_case_ids=held,
        subject_index_forgotten=not held,
        erased_at=now,
    )
    event_id = new_event_id()
    document: dict[str, Any] = payload.model_dump(mode="json")
    return Envelope(
        event_id=event_id,
        type=SUBJECT_ERASED.type,
        schema_version=SUBJECT_ERASED.version,
        case_id=case_id,
        subject_id=subject_id,
        occurred_at=now,
        producer=PRODUCER,
        correlation_id=str(event_id),
        payload=document,
    )
