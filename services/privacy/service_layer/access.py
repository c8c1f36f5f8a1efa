"""Access requests: register with a due date, export everything about the subject decrypted
(recorded as `access.exported`), and report what is overdue; and the search for a subject's
cases by e-mail or phone (recorded as `subject.searched`)."""

import hashlib

from services.privacy.domain.caller_input import (
    access_reason,
    refuse_contact_details,
    within_age,
)
from services.privacy.domain.cases import Disposition
from services.privacy.domain.errors import InvalidRequestError, NoMatchError, NotFoundError
from services.privacy.domain.events import (
    ACCESS_EXPORTED,
    SUBJECT_SEARCHED,
    AccessExported,
    SubjectSearched,
)
from services.privacy.domain.reports import (
    AccessExport,
    ExportedCase,
    ExportedEvent,
    FoundCase,
    OverdueReport,
    OverdueRequest,
    SubjectSearch,
)
from services.privacy.domain.requests import PrivacyRequest, RequestKind, RequestStatus
from services.privacy.service_layer.changes import RequestSaved
from services.privacy.service_layer.holds import holding
from services.privacy.service_layer.messages import (
    EraseSubject,
    ExportAccess,
    OverdueRequests,
    RegisterAccess,
    SearchSubject,
    SubjectErasures,
)
from services.privacy.service_layer.ports import PrivacyDependencies
from services.privacy.service_layer.publishing import Emission, apply_changes, emit, emit_all
from services.privacy.service_layer.reading import read_events
from services.privacy.service_layer.receipts import subject_erasures
from shared.ids import new_identifier


async def register_access(command: RegisterAccess, deps: PrivacyDependencies) -> PrivacyRequest:
    """Find the subjects now (the identity itself is never stored) and start the clock."""
    request = await new_request(deps, command, RequestKind.ACCESS)
    await apply_changes(deps, None, [RequestSaved(request)])
    return request


async def new_request(
    deps: PrivacyDependencies, command: RegisterAccess | EraseSubject, kind: RequestKind
) -> PrivacyRequest:
    refuse_contact_details("reference", command.reference)
    now = deps.clock()
    max_days = deps.rules.deadlines.max_received_age_days
    received = within_age("received_at", command.received_at, now, max_days)
    request = PrivacyRequest(
        request_id=f"{kind.value}-{new_identifier()}",
        kind=kind,
        regime=command.regime,
        subject_ids=await deps.subjects.lookup(command.identities),
        received_at=received,
        due_at=deps.rules.deadlines.due_at(received, command.regime),
        registered_by=command.actor,
        reference=command.reference,
    )
    if not request.subject_ids:
        # Answered as it is: nothing to export or erase. Kept, so the answer given is on file.
        unmatched = request.model_copy(
            update={"status": RequestStatus.NO_MATCH, "fulfilled_at": now}
        )
        await apply_changes(deps, None, [RequestSaved(unmatched)])
        done = "nothing was erased" if kind is RequestKind.ERASURE else "nothing is held about them"
        raise NoMatchError(done, request.request_id)
    return request


async def export_access(command: ExportAccess, deps: PrivacyDependencies) -> AccessExport:
    request = await deps.store.request(command.request_id)
    if request is None or request.kind is not RequestKind.ACCESS:
        raise NotFoundError("access request", command.request_id, "request_id")
    cases = await deps.store.cases(request.subject_ids) if request.subject_ids else []
    exported = []
    for case in cases:
        readable = case.disposition is Disposition.KEPT and not case.shredded
        events = await read_events(deps.store, deps.decryptor, case.case_id) if readable else []
        exported.append(
            ExportedCase(
                case_id=case.case_id,
                opened_at=case.opened_at,
                closed_at=case.closed_at,
                closure_reason=case.closure_reason,
                disposition=case.disposition,
                events=[
                    ExportedEvent(
                        event_id=str(e.envelope.event_id),
                        type=e.envelope.type,
                        occurred_at=e.envelope.occurred_at,
                        recorded_at=e.envelope.recorded_at,
                        producer=e.envelope.producer,
                        payload=e.payload,
                    )
                    for e in events
                ],
            )
        )
    export = AccessExport(
        request_id=request.request_id,
        regime=request.regime,
        received_at=request.received_at,
        due_at=request.due_at,
        generated_at=deps.clock(),
        subject_refs=request.subject_ids,
        cases=exported,
        erasures=await subject_erasures(SubjectErasures(request.subject_ids), deps),
    )
    recorded = AccessExported(
        request_id=request.request_id,
        regime=request.regime,
        subject_ids=request.subject_ids,
        case_ids=tuple(case.case_id for case in exported),
        events=sum(len(case.events) for case in exported),
        received_at=request.received_at,
        due_at=request.due_at,
        exported_at=export.generated_at,
        exported_by=command.actor,
        # Proves later what was handed over, without keeping a copy of it.
        export_sha256=hashlib.sha256(export.model_dump_json().encode()).hexdigest(),
    )
    await emit(
        deps,
        ACCESS_EXPORTED,
        recorded,
        case_id=request.request_id,
        subject_id=request.subject_ids[0] if request.subject_ids else None,
        correlation_id=command.correlation_id,
    )
    return export


async def overdue_requests(query: OverdueRequests, deps: PrivacyDependencies) -> OverdueReport:
    now = deps.clock()
    still_open = [r for r in await deps.store.requests(None) if r.status is RequestStatus.OPEN]
    late = [
        OverdueRequest(request=r, overdue_days=days)
        for r in still_open
        if (days := r.overdue_days(now)) is not None
    ]
    late.sort(key=lambda item: item.request.due_at)
    return OverdueReport(as_of=now, open=len(still_open), overdue=late)


async def search_subject(command: SearchSubject, deps: PrivacyDependencies) -> SubjectSearch:
    """The cases of the subject (every linked pseudonym) the e-mail or phone leads to, as
    privacy knows them; an unknown identity finds none. Either way the search is an access:
    it MUST be recorded (`subject.searched`, one per case found, or one on the search's own id)
    before anything is answered, and the event MUST NOT carry the identity in any form."""
    if len(command.identities.named()) != 1:
        raise InvalidRequestError("email", "give exactly one of email or phone")
    purpose = access_reason("purpose", command.purpose)
    if purpose is None:
        raise InvalidRequestError("purpose", "say why you search (a purpose is required)")
    matter = access_reason("matter", command.matter)
    subject_ids = await deps.subjects.lookup(command.identities)
    cases = await deps.store.cases(subject_ids) if subject_ids else []
    held_by = await holding(deps)
    found = tuple(FoundCase.of(case, held_by(case)) for case in cases)
    search_id, now = f"search-{new_identifier()}", deps.clock()
    recorded = SubjectSearched(
        search_id=search_id,
        subject_ids=subject_ids,
        actor=command.actor,
        roles=tuple(sorted(command.roles)),
        purpose=purpose,
        matter=matter,
        searched_at=now,
        case_ids=tuple(case.case_id for case in found),
    )
    # On each case found, so the case's own access trail shows it; nothing found: on its id.
    emissions = [Emission(recorded, case.case_id, case.subject_id) for case in cases] or [
        Emission(recorded, search_id, subject_ids[0] if subject_ids else None)
    ]
    envelopes = await emit_all(
        deps, SUBJECT_SEARCHED, emissions, correlation_id=command.correlation_id
    )
    return SubjectSearch(
        search_id=search_id,
        searched_by=command.actor,
        searched_at=now,
        purpose=purpose,
        matter=matter,
        subject_refs=subject_ids,
        cases=found,
        recorded_event_ids=tuple(str(envelope.event_id) for envelope in envelopes),
    )
