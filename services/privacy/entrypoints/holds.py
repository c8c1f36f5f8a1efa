"""Legal holds (/v1/holds): place, list, release; policy's recommendations to confirm."""

from fastapi import APIRouter, Depends

from services.privacy.domain.errors import NotFoundError
from services.privacy.domain.holds import Hold, Recommendation
from services.privacy.entrypoints.deps import (
    READERS,
    CorrelationId,
    Deps,
    HoldPlacer,
    IdPath,
)
from services.privacy.entrypoints.schemas import HoldIn, ReleaseIn
from services.privacy.service_layer.holds import PlaceHold, ReleaseHold, place_hold, release_hold
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1/holds", tags=["holds"], responses=problem_responses(401, 403, 404, 422, 503)
)
READ = [Depends(require_roles(*READERS))]


@router.post("", status_code=201, response_model=list[Hold], responses=problem_responses(409))
async def place(
    body: HoldIn, deps: Deps, principal: HoldPlacer, correlation_id: CorrelationId
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
    )
    return await place_hold(deps, command, correlation_id)


@router.get("", response_model=list[Hold], dependencies=READ)
async def list_holds(deps: Deps, active: bool = True) -> list[Hold]:
    """Active holds (or, with `active=false`, released ones too), oldest first."""
    return await deps.store.holds(active_only=active)


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


@router.post("/{hold_id}/release", response_model=Hold, responses=problem_responses(409))
async def release(
    hold_id: IdPath,
    deps: Deps,
    principal: HoldPlacer,
    correlation_id: CorrelationId,
    body: ReleaseIn | None = None,
) -> Hold:
    """Release the hold; the next sweep handles what it kept and is now past retention."""
    command = ReleaseHold(hold_id, principal.subject, body.note if body else None)
    return await release_hold(deps, command, correlation_id)
