"""Subjects (/v1/subjects): a subject's cases found by e-mail or phone, the search recorded."""

from fastapi import APIRouter

from services.privacy.domain.reports import SubjectSearch
from services.privacy.entrypoints.deps import CorrelationId, PrivacyDep, Searcher
from services.privacy.entrypoints.schemas import SubjectSearchIn
from services.privacy.service_layer.messages import SearchSubject
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1/subjects", tags=["subjects"], responses=problem_responses(401, 403, 422, 503)
)


@router.post("/cases", response_model=SubjectSearch)
async def subject_cases(
    body: SubjectSearchIn, privacy: PrivacyDep, principal: Searcher, correlation_id: CorrelationId
) -> SubjectSearch:
    """The cases of the subject one e-mail or phone leads to (every linked pseudonym): opened,
    closed, state and holds, no personal data. Legal and privacy officers, with a purpose.
    The search is an access, recorded as `subject.searched` on each case found (on the
    search's own id when none is: an unknown identity answers 200 with no cases), so it shows
    in each case's access trail; the identity is never recorded, nor put in a URL (POST)."""
    return await privacy.handle(
        SearchSubject(
            body.identities_given(),
            principal.subject,
            principal.roles,
            body.purpose,
            body.matter,
            correlation_id,
        )
    )
