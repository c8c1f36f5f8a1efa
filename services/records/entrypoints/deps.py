"""FastAPI dependencies of records' routes, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import AwareDatetime

from services.records.bootstrap import Records
from services.records.domain.timeline import Window
from shared.auth.roles import Principal, Role
from shared.ids import IDENTIFIER_PATTERN
from shared.web.auth import require_roles
from shared.web.request_context import request_correlation_id

READERS = (Role.AGENT, Role.SUPERVISOR, Role.LEGAL, Role.PRIVACY_OFFICER, Role.ADMIN)
REVEALERS = (Role.LEGAL, Role.PRIVACY_OFFICER)
AUDITORS = (Role.LEGAL, Role.PRIVACY_OFFICER, Role.ADMIN)


def get_records(request: Request) -> Records:
    records: Records = request.app.state.records
    return records


def window(
    as_of: Annotated[
        AwareDatetime | None, Query(description="What had been recorded by then (recorded_at)")
    ] = None,
    valid_at: Annotated[
        AwareDatetime | None, Query(description="What had happened by then (occurred_at)")
    ] = None,
) -> Window:
    return Window(as_of, valid_at)


RecordsDep = Annotated[Records, Depends(get_records)]
WindowDep = Annotated[Window, Depends(window)]
CorrelationId = Annotated[str, Depends(request_correlation_id)]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Revealer = Annotated[Principal, Depends(require_roles(*REVEALERS))]
CaseId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
RevealFlag = Annotated[
    bool, Query(description="Personal fields in plaintext (legal, privacy officer)")
]
Purpose = Annotated[
    str | None,
    Query(
        min_length=3,
        max_length=200,
        description="Why personal data is revealed (required with reveal unless a matter is given);"
        " recorded in the log, so a reference, never personal data itself",
    ),
]
Matter = Annotated[
    str | None,
    Query(pattern=IDENTIFIER_PATTERN, description="The legal matter or request reference"),
]
