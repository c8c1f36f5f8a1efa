"""Data subjects' requests (/v1/requests): access exports, erasure with signed receipts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.privacy.adapters.signing import verify_receipt
from services.privacy.domain.errors import NotFoundError, ReceiptVerificationError
from services.privacy.domain.receipt import (
    RecordsCheckpoint,
    SignedCompletion,
    SignedReceipt,
    SubjectErasure,
)
from services.privacy.domain.reports import AccessExport, ErasurePreview, OverdueReport
from services.privacy.domain.requests import STATUTORY_BASIS, PrivacyRequest, Regime, RequestKind
from services.privacy.entrypoints.deps import (
    READERS,
    CorrelationId,
    Deps,
    IdPath,
    Officer,
    PrivacyDep,
    RecordsLogKey,
)
from services.privacy.entrypoints.schemas import (
    ReceiptVerificationOut,
    RegimeOut,
    SubjectIdentitiesIn,
    SubjectRequestIn,
    VerifierKeyOut,
)
from services.privacy.service_layer.messages import (
    EraseSubject,
    ExportAccess,
    OverdueRequests,
    PreviewErasure,
    ReceiptFile,
    RegisterAccess,
    SubjectErasures,
)
from services.privacy.service_layer.receipts import pending_checkpoint
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1", tags=["requests"], responses=problem_responses(401, 403, 404, 422, 503)
)
READ = [Depends(require_roles(*READERS))]


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
async def register(
    body: SubjectRequestIn, privacy: PrivacyDep, principal: Officer
) -> PrivacyRequest:
    """Register an access request (APPI: a disclosure request, 開示請求); its due date runs
    from `received_at` (14 days internal, 30 GDPR-style, 14 as the target for APPI's "without
    delay", by default). Export it once the requester's identity is verified."""
    return await privacy.handle(
        RegisterAccess(
            body.identities_given(),
            body.regime,
            principal.subject,
            body.received_at,
            body.reference,
        )
    )


@router.post("/requests/access/{request_id}/export", response_model=AccessExport)
async def export(
    request_id: IdPath, privacy: PrivacyDep, principal: Officer, correlation_id: CorrelationId
) -> AccessExport:
    """Everything kept about the subject, decrypted: every case with its consultation,
    contacts, close requests, recordings and decisions. Recorded as `access.exported`."""
    return await privacy.handle(ExportAccess(request_id, principal.subject, correlation_id))


@router.get("/requests", response_model=list[PrivacyRequest], dependencies=READ)
async def list_requests(deps: Deps, kind: RequestKind | None = None) -> list[PrivacyRequest]:
    return await deps.store.requests(kind)


@router.get("/requests/overdue", response_model=OverdueReport, dependencies=READ)
async def overdue(privacy: PrivacyDep) -> OverdueReport:
    """Open requests past their due date, most overdue first."""
    return await privacy.handle(OverdueRequests())


@router.post("/requests/erasure/preview", response_model=ErasurePreview)
async def preview(
    body: SubjectIdentitiesIn, privacy: PrivacyDep, principal: Officer
) -> ErasurePreview:
    """What an erasure by these identities would do now, changing nothing: the subjects (a
    linked set is one person), their cases, which would be erased and which are held.
    404 `no_match` if no subject matches."""
    return await privacy.handle(PreviewErasure(body.identities_given()))


@router.post("/requests/erasure", response_model=SignedReceipt)
async def erase(
    body: SubjectRequestIn, privacy: PrivacyDep, principal: Officer, correlation_id: CorrelationId
) -> SignedReceipt:
    """Erase the subject (every subject linked to the identities; APPI: 利用停止・消去の請求):
    held cases, and cases of a hold released less than the cooling-off ago, are listed and
    kept; every other case key is destroyed, the subject index forgets them. Answers the signed
    receipt (`caselog verify-receipt`); 404 `no_match`, and no receipt, if no subject matches.
    Preview first with POST /v1/requests/erasure/preview."""
    command = EraseSubject(
        body.identities_given(),
        body.regime,
        principal.subject,
        body.received_at,
        body.reference,
        correlation_id,
    )
    return await privacy.handle(command)


@router.get("/requests/{request_id}/receipt", response_model=SignedReceipt, dependencies=READ)
async def receipt(request_id: IdPath, privacy: PrivacyDep) -> SignedReceipt:
    """The receipt as it stands: re-signed once its records checkpoint is bound, with the
    signed completion statement once its key epoch has closed."""
    found = await privacy.handle(ReceiptFile(request_id))
    if found is None:
        raise NotFoundError("erasure receipt", request_id, "request_id")
    return found


@router.get(
    "/subjects/{subject_id}/erasures", response_model=list[SubjectErasure], dependencies=READ
)
async def erasures(subject_id: IdPath, privacy: PrivacyDep) -> list[SubjectErasure]:
    """Every erasure of the subject, and whether it is complete (`pending` until the key epoch
    closes, then `complete`)."""
    return await privacy.handle(SubjectErasures((subject_id,)))


@router.get("/completions/{epoch}", response_model=SignedCompletion, dependencies=READ)
async def completion(epoch: Annotated[int, Path(ge=1, le=2**62)], deps: Deps) -> SignedCompletion:
    """The signed completion statement of a closed key epoch."""
    found = await deps.store.completion(epoch)
    if found is None:
        raise NotFoundError("completion statement of epoch", str(epoch), "epoch")
    return found


@router.get("/records/checkpoint", response_model=RecordsCheckpoint, dependencies=READ)
async def records_checkpoint(deps: Deps) -> RecordsCheckpoint:
    """The latest records acknowledgement read (an erasure receipt binds the first signed
    checkpoint that includes its own events)."""
    return await deps.store.checkpoint() or pending_checkpoint(None, 0)


@router.get("/receipts/key", response_model=VerifierKeyOut, dependencies=READ)
async def verifier_key(privacy: PrivacyDep) -> VerifierKeyOut:
    """The public key that verifies erasure receipts (pass it to `caselog verify-receipt`)."""
    return VerifierKeyOut(verifier_key=privacy.signer.verifier_key)


@router.post("/receipts/verify", response_model=ReceiptVerificationOut, dependencies=READ)
async def verify(
    body: SignedReceipt, privacy: PrivacyDep, records_key: RecordsLogKey
) -> ReceiptVerificationOut:
    """Checks a receipt file as `caselog verify-receipt --key` does, with this service's own
    verifier key pinned (never the key inside the file, which anyone can replace), so a web
    front end can show the result without holding crypto code of its own. A log binding in
    the file is checked with the records log key configured here (`privacy_records_log_key`);
    without one it is left unchecked, and `bound_at` is null."""
    key = privacy.signer.verifier_key
    try:
        verified = verify_receipt(body.model_dump_json(), key, records_key)
    except ReceiptVerificationError as error:
        return ReceiptVerificationOut(verified=False, problem=str(error), verifier_key=key)
    return ReceiptVerificationOut(
        verified=True,
        request_id=verified.receipt.request_id,
        state=verified.state,
        erased_cases=len(verified.receipt.erased_case_ids),
        held_cases=len(verified.receipt.held_cases),
        bound_at=verified.bound_at,
        verifier_key=key,
    )
