"""Data subjects' requests (/v1/requests): access exports, erasure with signed receipts."""

from fastapi import APIRouter, Depends

from services.privacy.domain.errors import NotFoundError
from services.privacy.domain.export import AccessExport, OverdueReport
from services.privacy.domain.receipt import RecordsCheckpoint, SignedReceipt
from services.privacy.domain.requests import STATUTORY_BASIS, PrivacyRequest, Regime, RequestKind
from services.privacy.entrypoints.deps import (
    READERS,
    CorrelationId,
    Deps,
    IdPath,
    Officer,
    PrivacyDep,
)
from services.privacy.entrypoints.schemas import RegimeOut, SubjectRequestIn, VerifierKeyOut
from services.privacy.service_layer.access import (
    RegisterRequest,
    export_access,
    overdue_requests,
    register_access,
)
from services.privacy.service_layer.erasure import NO_CHECKPOINT, erase_subject
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1", tags=["requests"], responses=problem_responses(401, 403, 404, 422, 503)
)
READ = [Depends(require_roles(*READERS))]


def _command(body: SubjectRequestIn, actor: str) -> RegisterRequest:
    return RegisterRequest(body.identities(), body.regime, actor, body.received_at, body.reference)


@router.get("/requests/regimes", response_model=list[RegimeOut], dependencies=READ)
async def regimes(deps: Deps) -> list[RegimeOut]:
    """The regimes a request may be registered under, each with its days to answer and its
    legal basis in Japanese and English (APPI: 個人情報保護法 33-35条, "without delay")."""
    deadlines = deps.rules.deadlines
    return [
        RegimeOut(
            regime=regime,
            days=deadlines.days(regime),
            basis_ja=STATUTORY_BASIS[regime].ja,
            basis_en=STATUTORY_BASIS[regime].en,
        )
        for regime in Regime
    ]


@router.post("/requests/access", status_code=201, response_model=PrivacyRequest)
async def register(body: SubjectRequestIn, deps: Deps, principal: Officer) -> PrivacyRequest:
    """Register an access request (APPI: a disclosure request, 開示請求); its due date runs
    from `received_at` (14 days internal, 30 GDPR-style, 14 as the target for APPI's "without
    delay", by default). Export it once the requester's identity is verified."""
    return await register_access(deps, _command(body, principal.subject))


@router.post("/requests/access/{request_id}/export", response_model=AccessExport)
async def export(
    request_id: IdPath, deps: Deps, principal: Officer, correlation_id: CorrelationId
) -> AccessExport:
    """Everything kept about the subject, decrypted: every case with its consultation,
    contacts, close requests, recordings and decisions. Recorded as `access.exported`."""
    return await export_access(deps, request_id, principal.subject, correlation_id)


@router.get("/requests", response_model=list[PrivacyRequest], dependencies=READ)
async def list_requests(deps: Deps, kind: RequestKind | None = None) -> list[PrivacyRequest]:
    return await deps.store.requests(kind)


@router.get("/requests/overdue", response_model=OverdueReport, dependencies=READ)
async def overdue(deps: Deps) -> OverdueReport:
    """Open requests past their due date, most overdue first."""
    return await overdue_requests(deps)


@router.post("/requests/erasure", response_model=SignedReceipt)
async def erase(
    body: SubjectRequestIn, deps: Deps, principal: Officer, correlation_id: CorrelationId
) -> SignedReceipt:
    """Erase the subject (APPI: 利用停止・消去の請求): held cases, and cases of a hold released
    less than the cooling-off ago, are listed and kept; every other case key is destroyed,
    the subject index forgets them. Answers the signed receipt (`caselog verify-receipt`)."""
    return await erase_subject(deps, _command(body, principal.subject), correlation_id)


@router.get("/requests/{request_id}/receipt", response_model=SignedReceipt, dependencies=READ)
async def receipt(request_id: IdPath, deps: Deps) -> SignedReceipt:
    found = await deps.store.receipt(request_id)
    if found is None:
        raise NotFoundError("erasure receipt", request_id, "request_id")
    return found


@router.get("/records/checkpoint", response_model=RecordsCheckpoint, dependencies=READ)
async def records_checkpoint(deps: Deps) -> RecordsCheckpoint:
    """The latest records acknowledgement read: what the next erasure receipt will cite."""
    return await deps.store.checkpoint() or NO_CHECKPOINT


@router.get("/receipts/key", response_model=VerifierKeyOut, dependencies=READ)
async def verifier_key(privacy: PrivacyDep) -> VerifierKeyOut:
    """The public key that verifies erasure receipts (pass it to `caselog verify-receipt`)."""
    return VerifierKeyOut(verifier_key=privacy.signer.verifier_key)
