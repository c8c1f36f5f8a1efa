"""Handler of a new consultation: open its case and record its first event, once."""

from services.intake.domain.consultation import Consultation, claimed_by
from services.intake.domain.events import CONSULTATION_RECEIVED, SUBJECT_LINKED, SubjectLinked
from services.intake.service_layer.commands import Accepted, RecordConsultation
from services.intake.service_layer.dependencies import IntakeDependencies
from services.intake.service_layer.event_messages import event_message, ticket_key
from services.intake.service_layer.ports import CaseRef, PendingMessage
from shared.envelope import utc_now
from shared.ids import new_event_id, new_identifier


async def record_consultation(
    command: RecordConsultation, deps: IntakeDependencies, correlation_id: str | None
) -> Accepted:
    """Opens the case and records its first event, or answers as the first time.

    The ledger write (whose insert claims the ticket) stays open around the key-store
    transaction that makes the case's subject links and data key: a repeat of a recorded
    ticket, even one racing it, rolls that back, so no key is left for a case never kept.
    The key store commits before the ledger, so every recorded event has its key.
    """
    consultation = _as_decided(command.consultation, command.platform, deps)
    source = consultation.source
    platform = command.platform
    key = ticket_key(platform, source.external_id)
    case_id, event_id = new_identifier(), new_event_id()
    try:
        async with (
            deps.ledger.writing() as ledger,
            deps.cases.opening(case_id, consultation.customer) as opened,
        ):
            case = CaseRef(
                case_id, opened.subject_id, platform, source.external_id, consultation.received_at
            )
            payload = deps.encryptor.encrypt_with(
                consultation, opened.key, case_id=case_id, event_id=event_id
            )
            message = event_message(
                deps,
                case,
                CONSULTATION_RECEIVED,
                payload,
                event_id,
                consultation.received_at,
                correlation_id,
            )
            stored = await ledger.record(key, Accepted(case_id, str(event_id)), message, case)
            if stored.duplicate:
                raise _AlreadyRecorded(stored)
            linked = opened.linked_subjects
    except _AlreadyRecorded as recorded:
        return recorded.answer
    await deps.relay.publish_now(PendingMessage(key, message))
    if linked:
        await _announce_link(deps, case, linked, correlation_id)
    return stored


def _as_decided(
    consultation: Consultation, platform: str, deps: IntakeDependencies
) -> Consultation:
    """The consultation with the server's platform, once its times are within bounds."""
    received = consultation.received_at
    final_answer = consultation.call.final_answer_given_at if consultation.call else None
    now = utc_now()
    deps.client_times.check([("received_at", received)], now=now)
    deps.client_times.check(
        [("call.final_answer_given_at", final_answer)], now=now, opened_at=received
    )
    source = claimed_by(consultation.source, platform)
    return (
        consultation
        if source is consultation.source
        else consultation.model_copy(update={"source": source})
    )


async def _announce_link(
    deps: IntakeDependencies, case: CaseRef, linked: tuple[str, ...], correlation_id: str | None
) -> None:
    """Tells the other services that the case's subject and `linked` are one person.

    A notice, not the record: the link itself was committed in the subject index with the
    case, and privacy reads it there, so an erasure by any identity finds the whole set even
    if this message is lost (it is not in the outbox; a failed publish is logged and dropped).
    """
    if case.subject_id is None:  # never: only identities link, and they make a subject
        return
    event_id = new_event_id()
    now = utc_now()
    payload = SubjectLinked(subject_id=case.subject_id, linked_subject_ids=linked, linked_at=now)
    message = event_message(
        deps, case, SUBJECT_LINKED, payload.model_dump(mode="json"), event_id, now, correlation_id
    )
    await deps.relay.publish_now(PendingMessage(f"subject-link:{event_id}", message))


class _AlreadyRecorded(Exception):  # noqa: N818 - control flow: rolls back both transactions
    def __init__(self, answer: Accepted) -> None:
        self.answer = answer
