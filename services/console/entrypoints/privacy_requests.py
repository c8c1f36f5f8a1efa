"""The privacy officer's data-subject requests (issue 17, item 7): the queue with due dates,
an access export (DSAR) read as a page or downloaded as JSON, an erasure shown first and done
only after the subject is typed again, and the receipts with privacy's verification.

Everything goes through privacy's HTTP API with the officer's token: privacy decides who may
(privacy_officer), the console only hides forms from the others. The subject's e-mail or
phone travels in POST bodies only, never in a URL; every answer here is `no-store`.
"""

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services.console.adapters.services_http import HttpServicesApi
from services.console.domain.privacy_requests import request_queue, same_subject, subject_identities
from services.console.entrypoints.downloads import attachment, pdf_attachment
from services.console.entrypoints.pages import CaseId, services_for
from services.console.entrypoints.visits import FormVisitDep, Visit, VisitDep
from services.console.service_layer.errors import (
    BadInputError,
    ServiceRefusedError,
    ServiceUnavailableError,
)
from shared.auth.roles import Role

router = APIRouter(include_in_schema=False)


@router.get("/requests", response_class=HTMLResponse)
async def requests_page(visit: VisitDep) -> Response:
    return await _requests(visit)


@router.post("/requests/access", response_class=HTMLResponse)
async def export_access(visit: FormVisitDep) -> Response:
    """Registers the subject's access request and shows the export as a readable page, with
    its JSON download beside it (each export is recorded by privacy as an access)."""
    identities = _identities(visit, "subject")
    services = services_for(visit)
    registered = await services.register_access(identities)
    exported = await services.export_access(registered["request_id"])
    return visit.render("privacy_export.html", export=exported)


@router.post("/requests/{request_id}/export.json")
async def export_json(visit: FormVisitDep, request_id: CaseId) -> Response:
    exported = await services_for(visit).export_access(request_id)
    return _download(exported, f"access-export-{request_id}.json")


@router.post("/requests/{request_id}/export.pdf")
async def export_pdf(visit: FormVisitDep, request_id: CaseId) -> Response:
    """The export page itself, printed (print.css), in the viewer's language. A POST, like
    the JSON: each download is a new export that privacy records as `access.exported`, and
    privacy alone decides who may have it (the privacy officer). The filename holds the
    request's id only."""
    exported = await services_for(visit).export_access(request_id)
    page = visit.render("privacy_export.html", export=exported)
    html = bytes(page.body).decode("utf-8")
    return await pdf_attachment(html, f"access-export-{request_id}.pdf")


@router.post("/requests/erasure/preview", response_class=HTMLResponse)
async def preview_erasure(visit: FormVisitDep) -> Response:
    """The first step: what privacy would destroy and what it keeps (held), changing nothing,
    and the form where the officer types the subject again."""
    identities = _identities(visit, "subject")
    preview = await services_for(visit).preview_erasure(identities)
    return visit.render(
        "privacy_erasure.html", preview=preview, subject=visit.form["subject"].strip()
    )


@router.post("/requests/erasure", response_class=HTMLResponse)
async def erase(visit: FormVisitDep) -> Response:
    """Erases only if the subject typed again is the one previewed; otherwise nothing is sent
    to privacy and the page says which field was wrong."""
    identities = _identities(visit, "subject")
    if not same_subject(visit.form["subject"], visit.form.get("confirm_subject", "")):
        raise BadInputError("confirm_subject")
    services = services_for(visit)
    receipt = await _bound(services, await services.erase(identities))
    verification = await services.verify_receipt(receipt)
    return visit.render(
        "privacy_receipt.html", receipt=receipt["receipt"], verification=verification
    )


@router.get("/requests/{request_id}/receipt.json")
async def receipt_json(visit: VisitDep, request_id: CaseId) -> Response:
    """The receipt file with records' log binding of its events put in, once records serves
    one, so that `caselog verify-receipt --bound` checks it against the log (decision 0027)."""
    services = services_for(visit)
    receipt = await _bound(services, await services.receipt(request_id))
    return _download(receipt, f"erasure-receipt-{request_id}.json")


async def _bound(services: HttpServicesApi, receipt: dict[str, Any]) -> dict[str, Any]:
    """The receipt file with records' log binding of its events put in, once records serves
    one; as it was before that (records reads the events from the bus after the erasure),
    and while records cannot answer: the erasure is done and its receipt stands without it."""
    event_ids = receipt["receipt"].get("event_ids") or []
    try:
        binding = await services.erasure_binding(event_ids) if event_ids else None
    except ServiceUnavailableError:
        binding = None
    return receipt if binding is None else {**receipt, "log_binding": binding}


async def _requests(visit: Visit) -> Response:
    services = services_for(visit)
    requests = await services.privacy_requests()
    receipts = []
    for request in requests:
        if request["kind"] == "erasure" and request["status"] in ("fulfilled", "partial"):
            receipt = await _bound(services, await services.receipt(request["request_id"]))
            receipts.append((request, await services.verify_receipt(receipt)))
    return visit.render(
        "privacy_requests.html",
        queue=request_queue(requests, datetime.now(UTC)),
        receipts=receipts,
        can_act=visit.user.has_any(Role.PRIVACY_OFFICER),
    )


def _identities(visit: Visit, name: str) -> dict[str, str]:
    if not visit.user.has_any(Role.PRIVACY_OFFICER):
        raise ServiceRefusedError("privacy", 403)  # privacy refuses them too; ask it nothing
    identities = subject_identities(visit.form.get(name, ""))
    if identities is None:
        raise BadInputError(name)
    return identities


def _download(document: dict[str, Any], filename: str) -> Response:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return attachment(text, "application/json", filename)
