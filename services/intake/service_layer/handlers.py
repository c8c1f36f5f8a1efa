"""Intake's handlers, in its one table: record each command's event once, encrypted, in a unit
of work, then publish it; and act on what privacy destroyed (keys, erased cases).

Idempotency: a consultation once per platform ticket, a follow-up once per platform contact id
or Idempotency-Key (scoped by caller, command and case; one reused with another body is
refused). A repeat answers as the first time and records nothing.
"""

import structlog

from services.intake.domain.consultation import Consultation, Source, claimed_by
from services.intake.domain.contacts import Contact, ContactKind, FactCheck, handled_by
from services.intake.domain.errors import (
    CaseNotFoundError,
    IdempotencyKeyReusedError,
    InvalidRequestError,
    TicketNotFoundError,
)
from services.intake.domain.events import (
    CASE_LINKED,
    CLOSURE_REQUESTED,
    CONSULTATION_RECEIVED,
    CONTACT_LOGGED,
    FACT_CHECKED,
    RECORDING_ATTACHED,
    SUBJECT_LINKED,
    SubjectLinked,
)
from services.intake.domain.idempotency import contact_key, ticket_content, ticket_key
from services.intake.service_layer.messages import (
    Accepted,
    AttachRecording,
    CaseKeyDestroyed,
    KeyEpochClosed,
    LinkCase,
    LogContact,
    LogPlatformFollowUp,
    RecordConsultation,
    RecordFactCheck,
    RequestClosure,
    RequestPlatformClosure,
    SubjectErased,
)
from services.intake.service_layer.ports import (
    CaseRef,
    EventStatus,
    LedgerEntry,
    PendingMessage,
)
from services.intake.service_layer.recording import (
    CaseEvent,
    IntakeDependencies,
    event_message,
    record_on_case,
)
from services.intake.service_layer.unit_of_work import CaseOpening, IntakeUnitOfWork
from shared.handling import HandlerTable
from shared.ids import new_event_id, new_identifier

log = structlog.get_logger(__name__)

PRODUCER = "intake"
REASON_CHARS = 100  # within the key store's tombstone reason column


HANDLERS: HandlerTable[IntakeDependencies, Accepted | None] = HandlerTable("intake")
"""Commands answer `Accepted`; privacy's events answer nothing."""


@HANDLERS.handles(RecordConsultation)
async def record_consultation(command: RecordConsultation, deps: IntakeDependencies) -> Accepted:
    """Opens the case and records its first event, or answers as the first time.

    The ledger's insert claims the ticket while the key store's transaction, in the same unit
    of work, makes the case's subject links and data key: a repeat of a recorded ticket, even
    one racing it, leaves without commit, so no key or link is left for a case never kept.
    Consultations arriving together share that unit of work (`deps.openings`, a group commit);
    the same ticket twice never shares one, so the second finds the first's committed row.
    """
    consultation = _as_decided(command.consultation, command.platform, deps)
    external_id = consultation.source.external_id
    key = ticket_key(command.platform, external_id)
    if command.records_changes:
        async with deps.stores.ledger_work() as uow:
            known = await uow.ledger.case_for_ticket(command.platform, external_id)
        if known is not None:
            return await _ticket_sent_again(command, consultation, known, deps)

    async def open_case(uow: IntakeUnitOfWork) -> CaseOpening:
        # Run again with fresh ids if the group's try is rolled back for another member.
        case_id, event_id = new_identifier(), new_event_id()
        opened = await uow.cases.open(case_id, consultation.customer)
        case = CaseRef(
            case_id,
            opened.subject_id,
            command.platform,
            external_id,
            consultation.received_at,
            consultation.language,
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
            command.correlation_id,
        )
        digest = (
            deps.request_digests.under(opened.key, case_id, ticket_content(consultation))
            if command.records_changes
            else None
        )
        entry = LedgerEntry(key, Accepted(case_id, str(event_id)), message, case, digest)
        return CaseOpening(entry, opened.linked_subjects)

    outcome = await deps.openings.submit(open_case, claim=key)
    if isinstance(outcome, Accepted):  # the ticket was recorded before: its first answer
        return outcome
    entry = outcome.entry
    await deps.relay.publish_now(PendingMessage(key, entry.message))
    if outcome.linked_subjects and entry.new_case is not None:
        await _announce_link(deps, entry.new_case, outcome.linked_subjects, command.correlation_id)
    return entry.accepted


@HANDLERS.handles(LogContact)
async def log_contact(command: LogContact, deps: IntakeDependencies) -> Accepted:
    return await _log_contact(command, deps)


@HANDLERS.handles(RequestClosure)
async def request_closure(command: RequestClosure, deps: IntakeDependencies) -> Accepted:
    return await _request_closure(command, deps)


async def _request_closure(command: RequestClosure, deps: IntakeDependencies) -> Accepted:
    def event() -> CaseEvent:
        requested = command.request.requested_at
        times = [("requested_at", requested)]
        return CaseEvent(CLOSURE_REQUESTED, command.request, requested, times)

    return await record_on_case(command, "close", event, deps)


@HANDLERS.handles(AttachRecording)
async def attach_recording(command: AttachRecording, deps: IntakeDependencies) -> Accepted:
    def event() -> CaseEvent:
        recorded = command.recording.recorded_at
        times = [("recorded_at", recorded)]
        return CaseEvent(RECORDING_ATTACHED, command.recording, recorded or deps.clock(), times)

    return await record_on_case(command, "recording", event, deps)


@HANDLERS.handles(LinkCase)
async def link_case(command: LinkCase, deps: IntakeDependencies) -> Accepted:
    """Only to another case of the same identified customer: policy keeps a matter's history
    in that customer's state, and a link across customers would join two people's records."""
    async with deps.stores.ledger_work() as uow:
        case = await uow.ledger.case(command.case_id)
        linked = await uow.ledger.case(command.link.linked_case_id)
    if case is None:
        raise CaseNotFoundError()
    field = "linked_case_id"
    if linked is None:
        raise InvalidRequestError(field, "no case with this id exists")
    if linked.case_id == case.case_id:
        raise InvalidRequestError(field, "a case cannot be linked to itself")
    if case.subject_id is None or linked.subject_id != case.subject_id:
        raise InvalidRequestError(field, "the cases are not of the same identified customer")

    def event() -> CaseEvent:
        return CaseEvent(CASE_LINKED, command.link, deps.clock(), [])

    return await record_on_case(command, "link", event, deps)


@HANDLERS.handles(RecordFactCheck)
async def record_fact_check(command: RecordFactCheck, deps: IntakeDependencies) -> Accepted:
    """Who checked and when are the server's: the token's subject and intake's clock."""

    def event() -> CaseEvent:
        now = deps.clock()
        findings = command.findings
        checked = FactCheck(
            defect_confirmed=findings.defect_confirmed,
            loss_confirmed=findings.loss_confirmed,
            note=findings.note,
            checked_by=command.caller,
            checked_at=now,
        )
        return CaseEvent(FACT_CHECKED, checked, now, [], request=findings)

    return await record_on_case(command, "facts", event, deps)


@HANDLERS.handles(LogPlatformFollowUp)
async def log_platform_follow_up(
    command: LogPlatformFollowUp, deps: IntakeDependencies
) -> Accepted:
    follow_up = command.follow_up
    case = await _case_of_ticket(follow_up.platform, follow_up.ticket_id, deps)
    contact = LogContact(
        case.case_id, follow_up.contact, follow_up.platform, correlation_id=command.correlation_id
    )
    return await _log_contact(contact, deps)


@HANDLERS.handles(RequestPlatformClosure)
async def request_platform_closure(
    command: RequestPlatformClosure, deps: IntakeDependencies
) -> Accepted:
    """The platform's status-change id is the Idempotency-Key: a re-sent webhook is a repeat,
    while solving the ticket again after a reopen is a new request."""
    closure = command.closure
    case = await _case_of_ticket(closure.platform, closure.ticket_id, deps)
    request = RequestClosure(
        case.case_id,
        closure.request,
        caller=closure.platform,
        idempotency_key=closure.event_id,
        correlation_id=command.correlation_id,
    )
    return await _request_closure(request, deps)


async def _case_of_ticket(platform: str, ticket_id: str, deps: IntakeDependencies) -> CaseRef:
    async with deps.stores.ledger_work() as uow:
        case = await uow.ledger.case_for_ticket(platform, ticket_id)
    if case is None:
        raise TicketNotFoundError(platform)
    return case


@HANDLERS.handles(CaseKeyDestroyed)
async def drop_destroyed_key(event: CaseKeyDestroyed, deps: IntakeDependencies) -> None:
    """A destroyed key must not stay usable in this process until its cache entry expires."""
    deps.cached_keys.evict(event.case_id)


@HANDLERS.handles(KeyEpochClosed)
async def drop_cached_keys(event: KeyEpochClosed, deps: IntakeDependencies) -> None:
    deps.cached_keys.forget_cached_keys()


@HANDLERS.handles(SubjectErased)
async def forget_erased_subject(event: SubjectErased, deps: IntakeDependencies) -> None:
    """Idempotent, as every delivery may come again."""
    for case_id in event.erased_case_ids:
        deps.cached_keys.evict(case_id)
    async with deps.stores.ledger_work() as uow:
        forgotten = await uow.ledger.forget_cases(list(event.erased_case_ids))
        await uow.commit()
    destroyed = await deps.dead_letters.destroy_for_subjects(
        event.subject_ids, reason=f"erasure request {event.request_id}"[:REASON_CHARS]
    )
    log.info(
        "erased cases forgotten",
        event_id=event.event_id,
        cases=forgotten,
        quarantine_keys_destroyed=destroyed,
    )


async def case_status(
    case_id: str, deps: IntakeDependencies, platform: str | None = None
) -> list[EventStatus]:
    """A view, not a command: what intake recorded for the case and whether it was published.
    Asked for `platform`, another platform's case is not found (its existence is not told)."""
    async with deps.stores.ledger_work() as uow:
        case = await uow.ledger.case(case_id)
        if case is None or platform not in (None, case.platform):
            raise CaseNotFoundError()
        return await uow.ledger.case_events(case_id)


async def _log_contact(command: LogContact, deps: IntakeDependencies) -> Accepted:
    def event() -> CaseEvent:
        contact, own_key = handled_by(command.contact, command.handler), None
        if contact.source is not None:
            source = claimed_by(contact.source, command.platform)
            contact = contact.model_copy(update={"source": source})
            own_key = contact_key(command.platform, command.case_id, source.external_id)
        times = [("occurred_at", contact.occurred_at)]
        return CaseEvent(CONTACT_LOGGED, contact, contact.occurred_at, times, own_key)

    return await record_on_case(command, "contact", event, deps)


async def _ticket_sent_again(
    command: RecordConsultation, consultation: Consultation, case: CaseRef, deps: IntakeDependencies
) -> Accepted:
    """The first answer when the subject and description are as first recorded (or the first
    was recorded before they were digested); changed, the new description is a customer
    contact on the case, once per content (its digest is the contact's id on the platform)."""
    digest = await deps.request_digests.digest(case.case_id, ticket_content(consultation))
    async with deps.stores.ledger_work() as uow:
        try:
            first = await uow.ledger.find(ticket_key(case.platform, case.external_id), digest)
        except IdempotencyKeyReusedError:
            first = None
    if first is not None:
        return first
    update = Contact(
        kind=ContactKind.CUSTOMER_CONTACT,
        channel=consultation.channel,
        occurred_at=deps.clock(),
        body=consultation.body,
        source=Source(platform=command.platform, external_id=f"update-{digest.hex()[:48]}"),
    )
    contact = LogContact(
        case.case_id, update, command.platform, correlation_id=command.correlation_id
    )
    return await _log_contact(contact, deps)


def _as_decided(
    consultation: Consultation, platform: str, deps: IntakeDependencies
) -> Consultation:
    """The consultation with the server's platform, once its times are within bounds."""
    received = consultation.received_at
    final_answer = consultation.call.final_answer_given_at if consultation.call else None
    now = deps.clock()
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
    now = deps.clock()
    payload = SubjectLinked(subject_id=case.subject_id, linked_subject_ids=linked, linked_at=now)
    message = event_message(
        deps, case, SUBJECT_LINKED, payload.model_dump(mode="json"), event_id, now, correlation_id
    )
    await deps.relay.publish_now(PendingMessage(f"subject-link:{event_id}", message))
