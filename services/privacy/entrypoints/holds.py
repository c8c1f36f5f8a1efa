"""Legal holds (/v1/holds): place, list, release; policy's recommendations to confirm."""

from fastapi import APIRouter, Depends, Response

from services.privacy.domain.errors import NotFoundError
from services.privacy.domain.holds import Hold, Recommendation
from services.privacy.entrypoints.deps import (
    READERS,
    CorrelationId,
    Deps,
    HoldPlacer,
    IdPath,
    PrivacyDep,
)
from services.privacy.entrypoints.schemas import HoldIn, ReleaseIn
from services.privacy.service_layer.messages import HoldsDueForReview, PlaceHold, ReleaseHold
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1/holds", tags=["holds"], responses=problem_responses(401, 403, 404, 422, 503)
)
READ = [Depends(require_roles(*READERS))]


@router.post("", status_code=201, response_model=list[Hold], responses=problem_responses(409))
async def place(
    body: HoldIn, privacy: PrivacyDep, principal: HoldPlacer, correlation_id: CorrelationId
) -> list[Hold]:
    """Hold a case, or every case of a subject (present and future), for a legal matter.
    Anonymization and erasure skip what a hold covers and report the hold."""
    command = PlaceHold(
        matter=body.matter,
        reason=body.reason,
        actor=principal.subject,
        case_id=body.case_id,
        subject_id=body.subject_id,
        identities=body.identities(),
        recommendation_id=body.recommendation_id,
        matter_type=body.matter_type,
        known_at=body.known_at,
        act_at=body.act_at,
        correlation_id=correlation_id,
    )
    return await privacy.handle(command)


@router.get("", response_model=list[Hold], dependencies=READ)
async def list_holds(deps: Deps, active: bool = True) -> list[Hold]:
    """Active holds (or, with `active=false`, released ones too), oldest first."""
    return await deps.store.holds(active_only=active)


@router.get("/review", response_model=list[Hold], dependencies=READ)
async def due_for_review(privacy: PrivacyDep) -> list[Hold]:
    """Active holds whose matter's limitation period has ended (`review_at` passed): release
    them, or keep them knowingly. A hold never lapses by itself; the sweep lists these too."""
    return await privacy.handle(HoldsDueForReview())


@router.get("/recommendations", response_model=list[Recommendation], dependencies=READ)
async def recommendations(deps: Deps, pending: bool = True) -> list[Recommendation]:
    """Policy decisions that recommend a hold; confirm one by placing a hold that names it."""
    return await deps.store.recommendations(pending_only=pending)


@router.get("/{hold_id}", response_model=Hold, dependencies=READ)
async def get_hold(hold_id: IdPath, deps: Deps) -> Hold:
    hold = await deps.store.hold(hold_id)
    if hold is None:
        raise NotFoundError("hold", hold_id, "hold_id")
    return hold


@router.post(
    "/{hold_id}/release",
    response_model=Hold,
    responses={
        202: {"model": Hold, "description": "Release asked for; a second person must confirm"},
        **problem_responses(409),
    },
)
async def release(
    hold_id: IdPath,
    privacy: PrivacyDep,
    principal: HoldPlacer,
    correlation_id: CorrelationId,
    response: Response,
    body: ReleaseIn | None = None,
) -> Hold:
    """Release the hold (legal). Under the two-person rule (`holds.release = "two_person"`)
    a privacy officer's release is only asked for (202) until another person confirms it;
    otherwise a privacy officer is refused (403). For the cooling-off period after a
    release, the hold still keeps its cases from erasure and the sweep."""
    note = body.note if body else None
    hold = await privacy.handle(
        ReleaseHold(hold_id, principal.subject, note, principal.roles, correlation_id)
    )
    if hold.active:
        response.status_code = 202
    return hold
