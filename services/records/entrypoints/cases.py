"""Records' case routes (/v1/cases): the read model, the bitemporal timeline, the bundle."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.records.domain.access import Reveal
from services.records.entrypoints.deps import (
    CaseId,
    CorrelationId,
    HeldSize,
    Matter,
    Purpose,
    Reader,
    RecordsDep,
    Revealer,
    RevealFlag,
    WindowDep,
)
from services.records.entrypoints.schemas import (
    CaseResponse,
    TimelineResponse,
    case_response,
    timeline_response,
)
from services.records.service_layer import reads
from services.records.service_layer.messages import ExportBundle, ReplayTimeline
from shared.bundle.format import encode_bundle
from shared.web.openapi import problem_responses

MAX_LATEST = 10_000
router = APIRouter(
    prefix="/v1/cases", tags=["cases"], responses=problem_responses(401, 403, 404, 422, 503)
)


@router.get("/{case_id}", response_model=CaseResponse)
async def case(
    case_id: CaseId, records: RecordsDep, window: WindowDep, _caller: Reader
) -> CaseResponse:
    """The case as the log makes it, at `as_of`/`valid_at` if given (no personal data)."""
    view, key_destroyed = await reads.case_view(
        records.store, records.deps.personal, case_id, window
    )
    return case_response(view, key_destroyed, window)


@router.get("/{case_id}/timeline", response_model=TimelineResponse)
async def timeline(
    case_id: CaseId,
    records: RecordsDep,
    window: WindowDep,
    caller: Reader,
    correlation_id: CorrelationId,
    reveal: RevealFlag = False,
    purpose: Purpose = None,
    matter: Matter = None,
    latest: Annotated[
        int | None,
        Query(ge=1, le=MAX_LATEST, description="only the last so many events (a long case)"),
    ] = None,
) -> TimelineResponse:
    """Every event of the case as recorded by `as_of` and happened by `valid_at`, in the order
    they happened (with `latest`, the last of them; `total_events` counts them all).
    `reveal=true` (legal, privacy officer; with a purpose or matter) shows personal fields in
    plaintext and records the access in the log."""
    grant = Reveal.authorize(caller, purpose, matter) if reveal else None
    replay = ReplayTimeline(case_id, window, grant, correlation_id, latest)
    found = await records.handle(replay)
    return timeline_response(found, revealed=grant is not None)


@router.get(
    "/{case_id}/bundle",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "The bundle file"}},
)
async def bundle(
    case_id: CaseId,
    records: RecordsDep,
    caller: Revealer,
    correlation_id: CorrelationId,
    since_size: HeldSize = None,
    reveal: RevealFlag = False,
    purpose: Purpose = None,
    matter: Matter = None,
) -> Response:
    """The litigation bundle: every event as stored with its inclusion proof, a checkpoint
    signed now, the public key; `caselog verify <file>` checks it offline."""
    grant = Reveal.authorize(caller, purpose, matter) if reveal else None
    found = await records.handle(ExportBundle(case_id, since_size, grant, correlation_id))
    filename = f"caselog-bundle-{case_id}-{found.tree_size}.json"
    return Response(
        encode_bundle(found),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
