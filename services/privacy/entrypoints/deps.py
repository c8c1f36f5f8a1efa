"""FastAPI dependencies of privacy's routes, as Annotated aliases; roles per kind of use."""

from typing import Annotated

from fastapi import Depends, Path, Request

from services.privacy.bootstrap import Privacy
from services.privacy.service_layer.ports import PrivacyDependencies
from shared.auth.roles import Principal, Role
from shared.ids import IDENTIFIER_PATTERN
from shared.web.auth import require_roles
from shared.web.request_context import request_correlation_id

OFFICER = (Role.PRIVACY_OFFICER,)
HOLDERS = (Role.PRIVACY_OFFICER, Role.LEGAL)
SEARCHERS = (Role.PRIVACY_OFFICER, Role.LEGAL)  # a subject's cases, by e-mail or phone
READERS = (Role.PRIVACY_OFFICER, Role.LEGAL, Role.ADMIN)


def get_privacy(request: Request) -> Privacy:
    privacy: Privacy = request.app.state.privacy
    return privacy


def get_dependencies(request: Request) -> PrivacyDependencies:
    return get_privacy(request).deps


def get_records_log_key(request: Request) -> str | None:
    """The records log's key pinned for checking log bindings, if configured."""
    key: str | None = request.app.state.records_log_key
    return key


PrivacyDep = Annotated[Privacy, Depends(get_privacy)]
RecordsLogKey = Annotated[str | None, Depends(get_records_log_key)]
Deps = Annotated[PrivacyDependencies, Depends(get_dependencies)]
CorrelationId = Annotated[str, Depends(request_correlation_id)]
Officer = Annotated[Principal, Depends(require_roles(*OFFICER))]
HoldPlacer = Annotated[Principal, Depends(require_roles(*HOLDERS))]
Searcher = Annotated[Principal, Depends(require_roles(*SEARCHERS))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
IdPath = Annotated[str, Path(min_length=1, max_length=160, pattern=IDENTIFIER_PATTERN)]
