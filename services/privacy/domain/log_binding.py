"""Whether events proved to be in the records log are this receipt's own `subject.erased` events:
the proof (shared.bundle.log_binding) says a leaf is in a signed tree; this says the leaf is the
receipt's, so a binding with another request's or another case's events cannot stand in."""

from collections.abc import Mapping

from services.privacy.domain.receipt import ErasureReceipt
from shared.contracts.privacy import SUBJECT_ERASED
from shared.envelope import Envelope


def binding_mismatch(
    receipt: ErasureReceipt, proved: Mapping[str, tuple[int, Envelope]]
) -> str | None:
    """Why the proved events are not exactly the receipt's events, or None if they are: one
    `subject.erased` per listed event id, of this request, for an erased case (or, when only
    the subject index entry went, the request itself), about a subject the receipt names,
    at the log position the signed receipt gives if it gives one."""
    missing = [event_id for event_id in receipt.event_ids if event_id not in proved]
    if missing:
        return f"event {missing[0]} of the receipt is not proved in the checkpoint"
    extra = [event_id for event_id in proved if event_id not in receipt.event_ids]
    if extra:
        return f"event {extra[0]} is proved, but the receipt does not list it"
    cases = set(receipt.erased_case_ids) or {receipt.request_id}
    positions = dict(
        zip(receipt.event_ids, receipt.records_checkpoint.event_positions, strict=False)
    )
    for event_id in receipt.event_ids:
        index, envelope = proved[event_id]
        subject = f"event {event_id} (leaf {index})"
        if envelope.type != SUBJECT_ERASED.type:
            return f"{subject} is a {envelope.type} event, not {SUBJECT_ERASED.type}"
        if envelope.payload.get("request_id") != receipt.request_id:
            return f"{subject} belongs to another erasure request"
        if envelope.case_id not in cases:
            return f"{subject} is about case {envelope.case_id}, which the receipt did not erase"
        if envelope.subject_id not in receipt.subject_refs:
            return f"{subject} is about a subject the receipt does not name"
        if event_id in positions and positions[event_id] != index:
            return f"{subject}: the receipt signed log position {positions[event_id]}"
    return None
