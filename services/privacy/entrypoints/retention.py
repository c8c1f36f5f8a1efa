"""Retention (/v1/retention), privacy's view of a case, and the anonymized copies."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.privacy.domain.errors import NotFoundError
from services.privacy.domain.holds import blocking
from services.privacy.domain.retention import RecordKind
from services.privacy.domain.sweep import SweepReport
from services.privacy.entrypoints.deps import READERS, CorrelationId, Deps, IdPath, Officer
from services.privacy.entrypoints.schemas import CaseOut, CopiesOut, RetentionOut, SweepIn
from services.privacy.service_layer.sweeping import RunSweep, run_sweep
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1", tags=["retention"], responses=problem_responses(401, 403, 404, 422, 503)
)
READ = [Depends(require_roles(*READERS))]


@router.post("/retention/sweep", response_model=SweepReport)
async def sweep(
    body: SweepIn, deps: Deps, principal: Officer, correlation_id: CorrelationId
) -> SweepReport:
    """Run the retention sweep now: anonymize expired case records, expire recordings and
    copies; every held item is reported with its holds. `dry_run` (required) only reports."""
    command = RunSweep(actor=principal.subject, dry_run=body.dry_run, as_of=body.as_of)
    return await run_sweep(deps, command, correlation_id)


@router.get("/cases/{case_id}", response_model=CaseOut, dependencies=READ)
async def case_retention(case_id: IdPath, deps: Deps) -> CaseOut:
    """What privacy knows of a case (no personal data): when each record expires, and holds."""
    case = await deps.store.case(case_id)
    if case is None:
        raise NotFoundError("case", case_id, "case_id")
    rules = deps.rules.retention
    kinds = [RecordKind.CASE_RECORD, *([RecordKind.CALL_RECORDING] if case.has_recording else [])]
    return CaseOut(
        case=case,
        holds=blocking(await deps.store.holds(active_only=True), case.case_id, case.subject_id),
        retention=[
            RetentionOut(
                kind=kind,
                rule=rules.describe(kind, case.closure_reason),
                ends_at=rules.ends_at(kind, case.closure_reason, case.closed_at)
                if case.closed_at
                else None,
            )
            for kind in kinds
        ],
    )


@router.get("/anonymized", response_model=CopiesOut, dependencies=READ)
async def anonymized(
    deps: Deps,
    after: Annotated[str | None, Query(max_length=160)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CopiesOut:
    """Anonymized copies for business use, by copy id; page with `after`."""
    copies = await deps.store.copies(after, limit)
    return CopiesOut(copies=copies, next_after=copies[-1].copy_id if len(copies) == limit else None)
