"""Retention (/v1/retention), privacy's view of a case, and the anonymized copies."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.privacy.domain.copies import AnonymizedCopy
from services.privacy.domain.errors import NotFoundError
from services.privacy.domain.events import CopyWithdrawn
from services.privacy.domain.retention import RecordKind
from services.privacy.domain.sweep import SweepReport
from services.privacy.entrypoints.deps import (
    READERS,
    CorrelationId,
    Deps,
    IdPath,
    Officer,
    PrivacyDep,
)
from services.privacy.entrypoints.schemas import (
    CaseOut,
    CopiesOut,
    CorrectionIn,
    RetentionOut,
    SweepIn,
    WithdrawalIn,
)
from services.privacy.service_layer.holds import holding
from services.privacy.service_layer.messages import (
    CorrectCopy,
    ListCopies,
    RotateCopyKey,
    RunSweep,
    WithdrawCopy,
)
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1", tags=["retention"], responses=problem_responses(401, 403, 404, 422, 503)
)
READ = [Depends(require_roles(*READERS))]


@router.post("/retention/sweep", response_model=SweepReport)
async def sweep(
    body: SweepIn, privacy: PrivacyDep, principal: Officer, correlation_id: CorrelationId
) -> SweepReport:
    """Run the retention sweep now: anonymize expired case records, expire recordings and
    copies; every held item is reported with its holds. `dry_run` (required) only reports."""
    command = RunSweep(principal.subject, body.dry_run, body.as_of, correlation_id)
    return await privacy.handle(command)


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
        holds=(await holding(deps))(case),
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
    privacy: PrivacyDep,
    after: Annotated[str | None, Query(max_length=160)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CopiesOut:
    """Anonymized copies for business use, by copy id; page with `after`."""
    copies = await privacy.handle(ListCopies(after, limit))
    return CopiesOut(copies=copies, next_after=copies[-1].copy_id if len(copies) == limit else None)


@router.put("/anonymized/{copy_id}", response_model=AnonymizedCopy)
async def correct(
    copy_id: IdPath,
    body: CorrectionIn,
    privacy: PrivacyDep,
    principal: Officer,
    correlation_id: CorrelationId,
) -> AnonymizedCopy:
    """Replace an anonymized copy that still holds something personal: the new version is
    sealed under a new key and the old version's key destroyed; `anonymized_copy.corrected`
    records both digests and the reason, never the text."""
    command = CorrectCopy(copy_id, body.copy_, body.reason, principal.subject, correlation_id)
    return await privacy.handle(command)


@router.post("/anonymized/{copy_id}/rotate-key", response_model=AnonymizedCopy)
async def rotate_key(
    copy_id: IdPath, privacy: PrivacyDep, principal: Officer, correlation_id: CorrelationId
) -> AnonymizedCopy:
    """Seal the copy under a new business-copy key and destroy the old one (e.g. when a key
    may have been exposed); recorded as `anonymized_copy.corrected` with equal digests."""
    return await privacy.handle(RotateCopyKey(copy_id, principal.subject, correlation_id))


@router.post("/anonymized/{copy_id}/withdraw", response_model=CopyWithdrawn)
async def withdraw(
    copy_id: IdPath,
    body: WithdrawalIn,
    privacy: PrivacyDep,
    principal: Officer,
    correlation_id: CorrelationId,
) -> CopyWithdrawn:
    """Take a copy out of business use: its key is destroyed and it is served no more;
    `anonymized_copy.withdrawn` records its digest and the reason."""
    command = WithdrawCopy(copy_id, body.reason, principal.subject, correlation_id)
    return await privacy.handle(command)
