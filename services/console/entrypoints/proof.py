"""Proof for legal: the litigation bundle (records' route, proxied with the user's token), its
verification against the pinned log key, and the printable exhibit (HTML and PDF).

Records decides who may export a bundle (legal, privacy officer); an agent's token is refused
there, and the console shows that refusal.
"""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from weasyprint import CSS, HTML  # type: ignore[import-untyped]

from services.console.domain.case_page import build_case_page
from services.console.domain.proof import ProofReport, check_bundle
from services.console.entrypoints.pages import CaseId, services_for
from services.console.entrypoints.visits import Visit, VisitDep

router = APIRouter(include_in_schema=False)
# Read from disk for the PDF: WeasyPrint must not fetch from this server while it serves.
EXHIBIT_CSS = Path(__file__).parent / "assets" / "exhibit.css"


async def _proof(visit: Visit, case_id: str) -> tuple[bytes, ProofReport]:
    data = await services_for(visit).bundle(case_id)
    return data, check_bundle(data, visit.request.app.state.log_verifier_key)


@router.get("/cases/{case_id}/proof", response_class=HTMLResponse)
async def proof_page(visit: VisitDep, case_id: CaseId) -> Response:
    """The bundle records produced just now, checked as `caselog verify --key` checks it."""
    _data, report = await _proof(visit, case_id)
    return visit.render("proof.html", case_id=case_id, report=report, tab="proof")


@router.get("/cases/{case_id}/proof/bundle")
async def bundle_download(visit: VisitDep, case_id: CaseId) -> Response:
    data = await services_for(visit).bundle(case_id)
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="caselog-bundle-{case_id}.json"'},
    )


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
    pdf: bytes = HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(EXHIBIT_CSS))])
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="caselog-exhibit-{case_id}.pdf"'},
    )
