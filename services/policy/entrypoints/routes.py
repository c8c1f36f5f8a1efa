"""Policy's REST API (/v1/policy): the policy in force, past versions, evaluate and replay."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.policy.domain import Decision, decide
from services.policy.entrypoints.deps import PolicyDep
from services.policy.entrypoints.schemas import (
    EvaluateRequest,
    PolicyOut,
    PolicyVersionOut,
    ReplayedOut,
    ReplayRequest,
    ReplayResponse,
)
from services.policy.service_layer.errors import UnevaluableEventError, UnknownPolicyVersionError
from services.policy.service_layer.replaying import replay
from shared.auth.roles import Role
from shared.envelope import Envelope, InvalidEnvelopeError, decode_envelope
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

READERS = (Role.AGENT, Role.SUPERVISOR, Role.LEGAL, Role.ADMIN)
router = APIRouter(
    prefix="/v1/policy",
    tags=["policy"],
    responses=problem_responses(401, 403, 404, 413, 415, 422, 503),
    dependencies=[Depends(require_roles(*READERS))],
)
Version = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256, hex")]


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
    stored = await service.versions.stored(version)
    if stored is None:
        raise UnknownPolicyVersionError(version)
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
    policy = service.loaded.policy
    if request.policy_version is not None:
        policy = await service.versions.policy(request.policy_version)
    return await service.request_thread.run(decide, request.consultation, request.history, policy)


@router.post("/replay", response_model=ReplayResponse)
async def replay_case(request: ReplayRequest, service: PolicyDep) -> ReplayResponse:
    """The decisions a policy version gives on a case's recorded events, from an empty
    history and without side effects; unknown versions answer 404."""
    policy = await service.versions.policy(request.policy_version)
    envelopes = [_envelope(index, event) for index, event in enumerate(request.events)]
    replayed = await replay(envelopes, policy, service.reader, service.request_thread)
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
    return ReplayResponse(policy_version=policy.version, decision=last, decisions=decisions)


def _envelope(index: int, event: object) -> Envelope:
    try:
        return decode_envelope(json.dumps(event).encode())
    except InvalidEnvelopeError as error:
        raise UnevaluableEventError(f"events[{index}]: {error}", f"events[{index}]") from None
