"""Intake's REST API (/v1): consultations, follow-ups, close requests, recordings, fact checks,
status.

Each route turns the request into a command (the body is the domain model itself; platform,
caller and correlation id are the server's) and hands it to the handler table.
"""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, Request
from pydantic import BaseModel, Field

from services.intake.adapters.decision_status import DecisionStatus
from services.intake.bootstrap import Intake
from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import (
    CaseLink,
    ClosureRequest,
    Contact,
    FactFindings,
    RecordingReference,
)
from services.intake.entrypoints.examples import CONSULTATION_EXAMPLES
from services.intake.service_layer.messages import (
    REST_PLATFORM,
    Accepted,
    AttachRecording,
    LinkCase,
    LogContact,
    RecordConsultation,
    RecordFactCheck,
    RequestClosure,
)
from shared.auth.errors import ForbiddenError
from shared.auth.roles import Principal, Role
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses
from shared.web.request_context import request_correlation_id


async def get_intake(request: Request) -> Intake:  # async: no worker-thread hop per request
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(get_intake)]
CorrelationId = Annotated[str, Depends(request_correlation_id)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Retrying with the same key returns the first answer and records nothing new",
    ),
]


CLOSURE_DECIDED_BY_POLICY = (
    "Recorded as a request: policy decides whether the guideline lets the case close;"
    " its decision appears at `status`."
)


class AcceptedResponse(BaseModel):
    """A write was recorded (or had been: `duplicate`), and will reach the bus."""

    case_id: str
    event_id: str
    duplicate: bool
    status: str = Field(description="Where the case's latest decision can be read")
    note: str | None = Field(default=None, description="What happens next, on a close request")


class EventStatusResponse(BaseModel):
    event_id: str
    type: str
    recorded_at: datetime
    published: bool


class DecisionResponse(BaseModel):
    """Policy's latest decision on the case, in the guideline's terms only (no evidence)."""

    decision_id: str
    type: str = Field(description="`policy.decided`, or `closure.decided` on a close request")
    caused_by: str | None = Field(description="The event decided on (e.g. the close request's)")
    outcome: str
    rules: list[str]
    articles: list[str]
    actions: list[str]
    policy_version: str
    decided_at: datetime


class CaseStatusResponse(BaseModel):
    """How far intake got with a case and policy's latest decision; never any personal data."""

    case_id: str
    events: list[EventStatusResponse]
    decision: DecisionResponse | None = Field(
        description="None until policy's decision has reached intake"
    )


router = APIRouter(
    prefix="/v1",
    tags=["intake"],
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422, 503),
)
AGENTS = (Role.AGENT, Role.SUPERVISOR)
WRITERS = (Role.PLATFORM, *AGENTS)
READERS = (*WRITERS, Role.LEGAL, Role.PRIVACY_OFFICER, Role.ADMIN)
CaseId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Writer = Annotated[Principal, Depends(require_roles(*WRITERS))]
CASE_HANDLERS = frozenset({Role.AGENT, Role.SUPERVISOR})


def platform_of(caller: Principal) -> str:
    """The platform a REST write comes from, decided by the credential, never by the body."""
    return caller.platform or REST_PLATFORM


def handler_of(caller: Principal) -> str | None:
    """Who handles a case when this caller responds on it: an agent or supervisor, by the
    token's subject; a platform's token is the platform's, not an agent's."""
    return caller.subject if caller.has_any(CASE_HANDLERS) else None


def answer(accepted: Accepted, *, closing: bool = False) -> AcceptedResponse:
    return AcceptedResponse(
        case_id=accepted.case_id,
        event_id=accepted.event_id,
        duplicate=accepted.duplicate,
        status=f"/intake/v1/cases/{accepted.case_id}",
        note=CLOSURE_DECIDED_BY_POLICY if closing else None,
    )


@router.post("/consultations", status_code=202, response_model=AcceptedResponse)
async def create_consultation(
    consultation: Annotated[Consultation, Body(openapi_examples=CONSULTATION_EXAMPLES)],
    intake: IntakeDep,
    correlation_id: CorrelationId,
    caller: Writer,
) -> AcceptedResponse:
    """Record a consultation; the same `source` again returns the first answer.

    `source.platform` is the caller's (`rest`, or the token's `platform` claim): leave it
    out, or send exactly that; a webhook platform's tickets arrive only on its webhook."""
    command = RecordConsultation(consultation, platform_of(caller), correlation_id)
    return answer(await intake.handle(command))


@router.post("/cases/{case_id}/contacts", status_code=202, response_model=AcceptedResponse)
async def log_contact(
    case_id: CaseId,
    contact: Contact,
    intake: IntakeDep,
    correlation_id: CorrelationId,
    caller: Writer,
    idempotency_key: IdempotencyKey = None,
) -> AcceptedResponse:
    """A customer contact or an agent response (`final_answer` marks the final answer).

    An agent response from an agent's or supervisor's token records that token's subject as
    `handled_by` (who handled the case, which closing it needs); leave the field out."""
    platform = platform_of(caller)
    command = LogContact(
        case_id,
        contact,
        platform,
        caller.subject,
        idempotency_key,
        correlation_id,
        handler=handler_of(caller),
    )
    return answer(await intake.handle(command))


@router.post("/cases/{case_id}/links", status_code=202, response_model=AcceptedResponse)
async def link_case(
    case_id: CaseId,
    link: CaseLink,
    intake: IntakeDep,
    correlation_id: CorrelationId,
    caller: Annotated[Principal, Depends(require_roles(Role.AGENT, Role.SUPERVISOR))],
    idempotency_key: IdempotencyKey = None,
) -> AcceptedResponse:
    """Link the case to an earlier case of the same customer: one matter, whose final answers
    and repeats policy counts together (`linked_case_id`: 422 if unknown, the case itself, or
    another customer's)."""
    command = LinkCase(case_id, link, caller.subject, idempotency_key, correlation_id)
    return answer(await intake.handle(command))


@router.post("/cases/{case_id}/close", status_code=202, response_model=AcceptedResponse)
async def request_closure(
    case_id: CaseId,
    request: ClosureRequest,
    intake: IntakeDep,
    correlation_id: CorrelationId,
    caller: Annotated[Principal, Depends(require_roles(*AGENTS))],
    idempotency_key: IdempotencyKey = None,
) -> AcceptedResponse:
    """Ask to close the case; policy decides whether the guideline allows it."""
    if request.supervisor_approved and Role.SUPERVISOR not in caller.roles:
        raise ForbiddenError("only a supervisor may approve ending a case as persuasion-difficult")
    command = RequestClosure(case_id, request, caller.subject, idempotency_key, correlation_id)
    return answer(await intake.handle(command), closing=True)


@router.post("/cases/{case_id}/recordings", status_code=202, response_model=AcceptedResponse)
async def attach_recording(
    case_id: CaseId,
    recording: RecordingReference,
    intake: IntakeDep,
    correlation_id: CorrelationId,
    caller: Writer,
    idempotency_key: IdempotencyKey = None,
) -> AcceptedResponse:
    """Attach a call recording by reference and digest (the audio stays where it is)."""
    command = AttachRecording(case_id, recording, caller.subject, idempotency_key, correlation_id)
    return answer(await intake.handle(command))


@router.post("/cases/{case_id}/facts", status_code=202, response_model=AcceptedResponse)
async def record_fact_check(
    case_id: CaseId,
    findings: FactFindings,
    intake: IntakeDep,
    correlation_id: CorrelationId,
    caller: Annotated[Principal, Depends(require_roles(*AGENTS))],
    idempotency_key: IdempotencyKey = None,
) -> AcceptedResponse:
    """Record what an agent established: a defect, a loss, each confirmed or ruled out.

    The agent is the token's subject and the time intake's clock; policy re-decides the case
    on it (a legitimate complaint about a confirmed defect that caused a confirmed loss goes to
    liability review, guideline art. 10)."""
    command = RecordFactCheck(case_id, findings, caller.subject, idempotency_key, correlation_id)
    return answer(await intake.handle(command))


@router.get("/cases/{case_id}", response_model=CaseStatusResponse)
async def case_status(
    case_id: CaseId,
    intake: IntakeDep,
    caller: Annotated[Principal, Depends(require_roles(*READERS))],
) -> CaseStatusResponse:
    """What intake recorded for the case, whether it reached the bus, and policy's latest
    decision (no personal data). A platform's token sees only the cases that platform sent
    (404 for any other), so a platform without write-back can poll its own."""
    only_platform = caller.roles <= {Role.PLATFORM}
    events = await intake.case_status(case_id, platform_of(caller) if only_platform else None)
    decision = await intake.latest_decision(case_id)
    return CaseStatusResponse(
        case_id=case_id,
        events=[
            EventStatusResponse(
                event_id=e.event_id,
                type=e.event_type,
                recorded_at=e.recorded_at,
                published=e.published_at is not None,
            )
            for e in events
        ],
        decision=None if decision is None else decision_response(decision),
    )


def decision_response(decision: DecisionStatus) -> DecisionResponse:
    return DecisionResponse.model_validate({**asdict(decision), "type": decision.decision_type})
