"""Policy's REST API (/v1/policy): the policy in force, past versions, evaluate and replay;
each route decodes its request and asks the service layer."""

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from services.policy.adapters.read_models import consultation_facts
from services.policy.bootstrap import PolicyService
from services.policy.domain import ConsultationFacts, Decision, SubjectHistory
from services.policy.domain.facts import ClosureFacts
from services.policy.service_layer import handlers
from services.policy.service_layer.errors import UnevaluableEventError
from services.policy.service_layer.messages import (
    EvaluateClosure,
    EvaluateConsultation,
    ReplayCase,
)
from shared.auth.roles import Role
from shared.contracts.intake import PRODUCER as INTAKE
from shared.contracts.intake import Consultation
from shared.envelope import Envelope, InvalidEnvelopeError, decode_envelope
from shared.validation import IsoDateTime
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

# A case's whole history, as records serves it, fits one replay.
MAX_REPLAY_EVENTS = 10_000


def get_policy_service(request: Request) -> PolicyService:
    service: PolicyService = request.app.state.policy
    return service


PolicyDep = Annotated[PolicyService, Depends(get_policy_service)]
READERS = (Role.AGENT, Role.SUPERVISOR, Role.LEGAL, Role.ADMIN)
router = APIRouter(
    prefix="/v1/policy",
    tags=["policy"],
    responses=problem_responses(401, 403, 404, 413, 415, 422, 503),
    dependencies=[Depends(require_roles(*READERS))],
)
Version = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256, hex")]


# The bodies of requests and answers.
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
    articles: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="Each guideline article by id, with its title and summary in ja and en",
    )
    instructions: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="What each action asks of the agent, in ja and en",
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


class EvaluateClosureRequest(_Request):
    """A request to close a case, with what the record holds (booleans, never the data), and,
    optionally, the subject's history on the matter and an earlier version."""

    closure: ClosureFacts
    history: SubjectHistory = SubjectHistory()
    policy_version: VersionHash | None = Field(
        default=None, description="Decide under this earlier version instead of the current one"
    )


class _Served(BaseModel):
    # What records serves besides (positions, stored_at, as_of, ...) is not needed to decide.
    model_config = ConfigDict(extra="ignore")


class TimelineEventIn(_Served):
    """One event of a records timeline, as `GET /v1/cases/{case_id}/timeline` serves it."""

    event_id: str
    type: str
    schema_version: int
    occurred_at: IsoDateTime
    recorded_at: IsoDateTime
    producer: str
    payload: dict[str, JsonValue]
    revealed_fields: list[str] = []
    unreadable: bool = False


class TimelineIn(_Served):
    """A records timeline as served (`GET /v1/cases/{case_id}/timeline`), unrevealed."""

    case_id: str
    revealed: bool = False
    key_destroyed: bool = False
    events: list[TimelineEventIn] = Field(max_length=MAX_REPLAY_EVENTS)


class ReplayRequest(_Request):
    """Either the case's recorded events as envelopes (`events`, e.g. from a bundle) or the
    case's timeline exactly as records serves it (`timeline`)."""

    policy_version: VersionHash
    events: list[dict[str, JsonValue]] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_REPLAY_EVENTS,
        description="The case's recorded events, as envelopes, in the order they were recorded",
    )
    timeline: TimelineIn | None = Field(
        default=None, description="The case's timeline as records' GET .../timeline serves it"
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


@router.get("", response_model=PolicyOut)
async def current_policy(service: PolicyDep) -> PolicyOut:
    """The policy in force: version, rules with their articles, thresholds and lexicons."""
    policy = service.loaded.policy
    stated = json.loads(policy.canonical_json())
    limits = policy.evidence_limits.model_dump(mode="json")
    return PolicyOut.model_validate({"version": policy.version, **stated, "evidence": limits})


@router.get("/versions/{version}", response_model=PolicyVersionOut)
async def policy_version(version: Version, service: PolicyDep) -> PolicyVersionOut:
    """The policy file of any version this service has run."""
    stored = await handlers.policy_version(version, service.deps)
    return PolicyVersionOut(
        version=stored.version,
        current=stored.version == service.loaded.version,
        first_seen_at=stored.first_seen_at,
        file_text=stored.file_text,
        canonical_json=stored.canonical_json,
    )


@router.post("/evaluate", response_model=Decision)
async def evaluate(request: EvaluateRequest, service: PolicyDep) -> Decision:
    """What the policy would say: no event is published and no history changes."""
    asked = EvaluateConsultation(request.consultation, request.history, request.policy_version)
    return await handlers.evaluate(asked, service.deps)


@router.post("/evaluate/closure", response_model=Decision)
async def evaluate_closure(request: EvaluateClosureRequest, service: PolicyDep) -> Decision:
    """What the policy would say on a request to close a case (termination, record
    completeness): no event is published and no history changes."""
    asked = EvaluateClosure(request.closure, request.history, request.policy_version)
    return await handlers.evaluate_closure(asked, service.deps)


@router.post("/evaluate/consultation", response_model=Decision)
async def evaluate_consultation(
    consultation: Consultation,
    service: PolicyDep,
    policy_version: Annotated[
        str | None,
        Query(pattern=r"^[0-9a-f]{64}$", description="Decide under this earlier version"),
    ] = None,
) -> Decision:
    """A dry run on a consultation exactly as intake's `POST /v1/consultations` takes it,
    validated the same way, from an empty history: nothing is published, kept or logged, and
    identity is only counted as present or absent."""
    facts = consultation_facts(consultation)
    asked = EvaluateConsultation(facts, SubjectHistory(), policy_version)
    return await handlers.evaluate(asked, service.deps)


@router.post("/replay", response_model=ReplayResponse)
async def replay_case(request: ReplayRequest, service: PolicyDep) -> ReplayResponse:
    """The decisions a policy version gives on a case's recorded events, from an empty
    history and without side effects; unknown versions answer 404."""
    envelopes = _envelopes(request)
    replayed = await handlers.replay(ReplayCase(envelopes, request.policy_version), service.deps)
    decisions = [
        ReplayedOut(
            event_id=r.event_id,
            event_type=r.event_type,
            decision_type=r.decision_type,
            decision=r.decision,
        )
        for r in replayed
    ]
    last = decisions[-1].decision if decisions else None
    return ReplayResponse(policy_version=request.policy_version, decision=last, decisions=decisions)


def _envelopes(request: ReplayRequest) -> list[Envelope]:
    if (request.events is None) == (request.timeline is None):
        raise UnevaluableEventError("give either events or timeline, not both", "events")
    if request.events is not None:
        return [_envelope(index, event) for index, event in enumerate(request.events)]
    assert request.timeline is not None
    return _timeline_envelopes(request.timeline)


def _timeline_envelopes(timeline: TimelineIn) -> list[Envelope]:
    """Intake's events of the timeline as envelopes, in the order served; what the other
    services recorded on the case (decisions, accesses, holds) is not decided on. A revealed
    timeline holds plaintext where the decision was made on ciphertext, and a destroyed key
    leaves nothing to decide: both are refused, naming the field."""
    if timeline.revealed:
        raise UnevaluableEventError("replay the unrevealed timeline", "timeline.revealed")
    if timeline.key_destroyed:
        raise UnevaluableEventError(
            "the case's key is destroyed: its content can no longer be decided on",
            "timeline.key_destroyed",
        )
    envelopes = []
    for index, event in enumerate(timeline.events):
        if event.producer != INTAKE:
            continue
        served = event.model_dump(
            mode="json", include={"event_id", "type", "schema_version", "producer", "payload"}
        )
        # The replay publishes nothing, so the correlation only has to be well formed.
        recorded = {
            **served,
            "case_id": timeline.case_id,
            "occurred_at": event.occurred_at.isoformat(),
            "recorded_at": event.recorded_at.isoformat(),
            "correlation_id": timeline.case_id,
        }
        envelopes.append(_envelope(index, recorded, where="timeline.events"))
    return envelopes


def _envelope(index: int, event: object, where: str = "events") -> Envelope:
    try:
        return decode_envelope(json.dumps(event).encode())
    except InvalidEnvelopeError as error:
        raise UnevaluableEventError(f"{where}[{index}]: {error}", f"{where}[{index}]") from None
