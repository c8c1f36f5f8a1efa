"""The problem shape as an OpenAPI response, so clients and schema checkers know every answer."""

from typing import Any

from pydantic import BaseModel


class FieldProblemOut(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """Every error: the status, what to fix (`field`, `reason`), and for 422 each bad field."""

    status: int
    reason: str
    field: str | None = None
    errors: list[FieldProblemOut] | None = None


# What the shared middleware may answer on any route: limits and the 401 throttle.
MIDDLEWARE_STATUSES = (413, 415, 422, 429, 431)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route or router: each status answered in the problem shape."""
    descriptions = {
        401: "Not authenticated (bad token or webhook signature)",
        403: "The caller's role may not do this",
        404: "No such resource",
        409: "The case's personal data was erased; nothing more can be recorded on it",
        413: "The body is too large",
        415: "The body is not application/json",
        422: "Invalid input: each bad field and why",
        429: "Too many failed authentications from this source; see Retry-After",
        431: "The request headers are too large",
        503: "A dependency (bus, database) is unavailable",
    }
    return {
        status: {"model": Problem, "description": descriptions.get(status, "Error")}
        for status in statuses
    }
