"""The search page's second form (issue 17, item 4): a subject's cases by e-mail or phone, for
legal and privacy officers, through privacy's subject index (`POST /v1/subjects/cases`).

The identity travels in a POST body only, never in a URL, a redirect, a page title or a log
line; privacy records every search as an access (`subject.searched` on each case found), which
the answer page says, and each case's access trail shows. Every page is `no-store`.
"""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services.console.domain.case_search import SearchFieldError, subject_search_body
from services.console.entrypoints.pages import services_for
from services.console.entrypoints.visits import FormVisitDep
from services.console.service_layer.errors import BadInputError, ServiceRefusedError
from shared.auth.roles import REVEALING_ROLES

router = APIRouter(include_in_schema=False)


@router.post("/search/subject", response_class=HTMLResponse)
async def search_subject(visit: FormVisitDep) -> Response:
    """The cases privacy finds for the subject, listed like the other results, with who
    searched, when and why, as privacy recorded it."""
    if not visit.user.has_any(*REVEALING_ROLES):
        raise ServiceRefusedError("privacy", 403)  # privacy refuses them too; ask it nothing
    try:
        body = subject_search_body(visit.form)
    except SearchFieldError as error:
        raise BadInputError(error.field) from None
    found = await services_for(visit).search_subject(body)
    return visit.render("search_subject.html", found=found)
