"""Records' case search (`GET /v1/cases`): find cases by ticket, case id, dates, channel,
outcome, rule or state, paged and sorted, from the case index (no personal data)."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from services.records.adapters.case_index import CaseQuery, CaseState, SortKey, SqlCaseIndex
from services.records.entrypoints.deps import QueryTime, Reader
from shared.ids import IDENTIFIER_PATTERN
from shared.web.openapi import problem_responses

MAX_PER_PAGE = 100
_NAME = r"^[a-z][a-z0-9_.-]{0,63}$"
router = APIRouter(prefix="/v1/cases", tags=["cases"], responses=problem_responses(401, 403, 422))


class FoundCaseOut(BaseModel):
    case_id: str
    platform: str | None
    ticket: str | None = Field(description="the platform's ticket id")
    channel: str | None
    opened_at: datetime | None
    status: Literal["open", "decided", "closed"]
    outcome: str | None = Field(description="of the latest decision")
    rules: list[str] = Field(description="the rules that fired in the latest decision")
    held: bool
    anonymized: bool
    erased: bool
    events: int


class CaseSearchResponse(BaseModel):
    total: int = Field(description="cases matching, over all pages")
    page: int
    per_page: int
    cases: list[FoundCaseOut]


def get_case_index(request: Request) -> SqlCaseIndex:
    index: SqlCaseIndex = request.app.state.case_index
    return index


@router.get("", response_model=CaseSearchResponse)
async def search_cases(
    index: Annotated[SqlCaseIndex, Depends(get_case_index)],
    _caller: Reader,
    ticket: Annotated[str | None, Query(min_length=1, max_length=256)] = None,
    case_id: Annotated[str | None, Query(max_length=128, pattern=IDENTIFIER_PATTERN)] = None,
    channel: Annotated[str | None, Query(pattern=_NAME)] = None,
    outcome: Annotated[str | None, Query(pattern=_NAME)] = None,
    rule: Annotated[str | None, Query(pattern=_NAME)] = None,
    state: Annotated[CaseState | None, Query()] = None,
    opened_from: Annotated[QueryTime | None, Query(description="inclusive")] = None,
    opened_to: Annotated[QueryTime | None, Query(description="exclusive")] = None,
    sort: SortKey = "-opened_at",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 25,
) -> CaseSearchResponse:
    """Cases matching every filter given, newest first unless `sort` says otherwise. The
    subject's e-mail or phone is not searched here: that lookup is intake's subject index."""
    query = CaseQuery(
        case_id=case_id,
        ticket=ticket,
        channel=channel,
        outcome=outcome,
        rule=rule,
        state=state,
        opened_from=opened_from,
        opened_to=opened_to,
        sort=sort,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    total, found = await index.search(query)
    return CaseSearchResponse(
        total=total,
        page=page,
        per_page=per_page,
        cases=[FoundCaseOut(**{**case.__dict__, "rules": list(case.rules)}) for case in found],
    )
