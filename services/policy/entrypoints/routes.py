"""Policy's REST API (/v1/policy): the policy in force, past versions, evaluate and replay;
each route decodes its request and asks the service layer."""

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from services.policy.bootstrap import PolicyService
from services.policy.domain import ConsultationFacts, Decision, SubjectHistory
from services.policy.service_layer import handlers
from services.policy.service_layer.errors import UnevaluableEventError
from services.policy.service_layer.messages import EvaluateConsultation, ReplayCase
from shared.auth.roles import Role
from shared.envelope import Envelope, InvalidEnvelopeError, decode_envelope
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses


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


class ReplayRequest(_Request):
    policy_version: VersionHash
    events: list[dict[str, JsonValue]] = Field(
        min_length=1,
        max_length=10_000,
        description="The case's recorded events, as envelopes, in the order they were recorded",
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


@router.post("/replay", response_model=ReplayResponse)
async def replay_case(request: ReplayRequest, service: PolicyDep) -> ReplayResponse:
    """The decisions a policy version gives on a case's recorded events, from an empty
    history and without side effects; unknown versions answer 404."""
    envelopes = [_envelope(index, event) for index, event in enumerate(request.events)]
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


def _envelope(index: int, event: object) -> Envelope:
    try:
        return decode_envelope(json.dumps(event).encode())
    except InvalidEnvelopeError as error:
        raise UnevaluableEventError(f"events[{index}]: {error}", f"events[{index}]") from None
