"""Proof for legal: the litigation bundle (records' route, proxied with the user's token), its
verification against the pinned log key, and the printable exhibit (HTML and PDF).

Records decides who may export a bundle (legal, privacy officer); an agent's token is refused
there, and the console shows that refusal.
"""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services.console.domain.case_page import build_case_page
from services.console.domain.proof import ProofReport, check_bundle
from services.console.entrypoints.downloads import ASSETS, attachment, pdf_attachment
from services.console.entrypoints.pages import CaseId, services_for
from services.console.entrypoints.uploads import MAX_UPLOAD_BYTES, UploadVisitDep
from services.console.entrypoints.visits import Visit, VisitDep
from services.console.service_layer.errors import BadInputError

router = APIRouter(include_in_schema=False)
# Read from disk for the PDF: WeasyPrint must not fetch from this server while it serves.
EXHIBIT_CSS = ASSETS / "exhibit.css"


async def _proof(visit: Visit, case_id: str) -> tuple[bytes, ProofReport]:
    data = await services_for(visit).bundle(case_id)
    return data, check_bundle(data, visit.request.app.state.log_verifier_key)


@router.get("/cases/{case_id}/proof", response_class=HTMLResponse)
async def proof_page(visit: VisitDep, case_id: CaseId) -> Response:
    """The bundle records produced just now, checked as `caselog verify --key` checks it."""
    _data, report = await _proof(visit, case_id)
    return _proof_page(visit, case_id, report, None)


@router.post("/cases/{case_id}/proof/verify", response_class=HTMLResponse)
async def verify_given_bundle(visit: UploadVisitDep, case_id: CaseId) -> Response:
    """A bundle someone was given, checked with the same pinned key beside the one records
    produces now; records' answer for this case decides who may use the tab. The page names
    each check and the bundle's case, never its content (events, revealed plaintext): 422 if
    the file is not a bundle at all."""
    _data, report = await _proof(visit, case_id)
    given = visit.files.get("bundle")
    if not given:
        raise BadInputError("bundle")
    uploaded = check_bundle(given, visit.request.app.state.log_verifier_key)
    return _proof_page(visit, case_id, report, uploaded)


def _proof_page(
    visit: Visit, case_id: str, report: ProofReport, uploaded: ProofReport | None
) -> Response:
    return visit.render(
        "proof.html",
        status=422 if uploaded is not None and uploaded.bundle is None else 200,
        case_id=case_id,
        report=report,
        uploaded=uploaded,
        tab="proof",
        max_upload_mib=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@router.get("/cases/{case_id}/proof/bundle")
async def bundle_download(visit: VisitDep, case_id: CaseId) -> Response:
    data = await services_for(visit).bundle(case_id)
    return attachment(data, "application/json", f"caselog-bundle-{case_id}.json")


async def _exhibit(visit: Visit, case_id: str, printable: bool) -> str:
    services = services_for(visit)
    _data, report = await _proof(visit, case_id)
    case = await services.case(case_id, None)
    timeline = await services.timeline(case_id, None)
    page = build_case_page(case, timeline, timeline)
    response = visit.render(
        "exhibit.html", case_id=case_id, report=report, page=page, printable=printable
    )
    return bytes(response.body).decode("utf-8")


@router.get("/cases/{case_id}/exhibit", response_class=HTMLResponse)
async def exhibit_page(visit: VisitDep, case_id: CaseId) -> Response:
    """Types, times, hashes and decisions only: no personal field, revealed or not."""
    return HTMLResponse(await _exhibit(visit, case_id, printable=False))


@router.get("/cases/{case_id}/exhibit.pdf")
async def exhibit_pdf(visit: VisitDep, case_id: CaseId) -> Response:
    html = await _exhibit(visit, case_id, printable=True)
    return await pdf_attachment(html, f"caselog-exhibit-{case_id}.pdf", EXHIBIT_CSS)
