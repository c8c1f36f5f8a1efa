"""FastAPI dependencies of records' routes, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from services.records.bootstrap import Records
from services.records.domain.access import PURPOSE_MAX_CHARS
from services.records.domain.timeline import Window
from shared.auth.roles import Principal, Role
from shared.ids import IDENTIFIER_PATTERN
from shared.validation import IsoDateTime
from shared.web.auth import require_roles
from shared.web.request_context import request_correlation_id

READERS = (Role.AGENT, Role.SUPERVISOR, Role.LEGAL, Role.PRIVACY_OFFICER, Role.ADMIN)
REVEALERS = (Role.LEGAL, Role.PRIVACY_OFFICER)
AUDITORS = (Role.LEGAL, Role.PRIVACY_OFFICER, Role.ADMIN)
# Positions and sizes are 64-bit signed in the store (BIGINT): a larger number from a caller
# is answered 422 here, before it could overflow a database driver (a 500).
MAX_TREE_SIZE = 2**63 - 1

QueryTime = IsoDateTime
"""A date-time in a query: ISO 8601 with its offset, never a number."""


def get_records(request: Request) -> Records:
    records: Records = request.app.state.records
    return records


def window(
    as_of: Annotated[
        QueryTime | None, Query(description="What had been recorded by then (recorded_at)")
    ] = None,
    valid_at: Annotated[
        QueryTime | None, Query(description="What had happened by then (occurred_at)")
    ] = None,
) -> Window:
    return Window(as_of, valid_at)


RecordsDep = Annotated[Records, Depends(get_records)]
WindowDep = Annotated[Window, Depends(window)]
CorrelationId = Annotated[str, Depends(request_correlation_id)]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Revealer = Annotated[Principal, Depends(require_roles(*REVEALERS))]
CaseId = Annotated[str, Path(min_length=1, max_length=128, pattern=IDENTIFIER_PATTERN)]
TreeSize = Annotated[
    int, Path(ge=0, le=MAX_TREE_SIZE, description="A tree size (number of events)")
]
HeldSize = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_TREE_SIZE,
        description="The size of a checkpoint you hold: adds a consistency proof",
    ),
]
ProofSize = Annotated[
    int | None,
    Query(ge=1, le=MAX_TREE_SIZE, description="Default: the latest checkpoint's"),
]
ConsistencySize = Annotated[int, Query(ge=0, le=MAX_TREE_SIZE)]
RevealFlag = Annotated[
    bool, Query(description="Personal fields in plaintext (legal, privacy officer)")
]
# Checked by the domain (Reveal.authorize): stripped, required, visible text, no contact details.
Purpose = Annotated[
    str | None,
    Query(
        description="Why personal data is revealed (required with reveal unless a matter is given);"
        " recorded in the log, so a reference, never personal data itself (at most"
        f" {PURPOSE_MAX_CHARS} characters)",
    ),
]
Matter = Annotated[
    str | None,
    Query(
        description="The legal matter or request reference, e.g. 令和8年(ワ)第123号 (at most"
        f" {PURPOSE_MAX_CHARS} characters)"
    ),
]
