"""The privacy officer's request queue and the subject an officer types, as the console reads
them: privacy's requests with days left and an overdue flag, and an identity that is an
e-mail address or a phone number (the body privacy's request routes take)."""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MIN_IDENTITY = 3
MAX_IDENTITY = 320  # privacy's own limit for an identity
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class QueuedRequest:
    request: dict[str, Any]
    days_left: int | None  # whole days to the due date while open (negative: overdue); else None
    overdue: bool


def request_queue(requests: list[dict[str, Any]], now: datetime) -> list[QueuedRequest]:
    """Open requests first, the soonest due on top (the officer's next job), then answered
    ones, newest first."""
    queued = [_queued(request, now) for request in requests]
    still_open = sorted((q for q in queued if q.days_left is not None), key=_due)
    answered = sorted((q for q in queued if q.days_left is None), key=_due, reverse=True)
    return still_open + answered


def _queued(request: dict[str, Any], now: datetime) -> QueuedRequest:
    if request.get("status") != "open":
        return QueuedRequest(request, None, overdue=False)
    seconds = (datetime.fromisoformat(request["due_at"]) - now).total_seconds()
    days_left = (
        math.floor(seconds / SECONDS_PER_DAY)
        if seconds < 0
        else math.ceil(seconds / SECONDS_PER_DAY)
    )
    return QueuedRequest(request, days_left, overdue=seconds < 0)


def _due(queued: QueuedRequest) -> str:
    return str(queued.request["due_at"])


def subject_identities(typed: str) -> dict[str, str] | None:
    """Privacy's identities body for what the officer typed: an e-mail address if it has an
    "@", else a phone number; None if it cannot be either."""
    value = typed.strip()
    if not MIN_IDENTITY <= len(value) <= MAX_IDENTITY or any(ord(c) < 0x20 for c in value):
        return None
    return {"email": value} if "@" in value else {"phone": value}


def same_subject(first: str, again: str) -> bool:
    """Whether the confirmation names the same subject: e-mail addresses compared without
    case, phone numbers by their digits (so "+81 90-1234" and "+81901234" agree)."""
    one, two = first.strip(), again.strip()
    if "@" in one or "@" in two:
        return one.casefold() == two.casefold()
    digits_one = "".join(c for c in one if c.isdigit())
    return bool(digits_one) and digits_one == "".join(c for c in two if c.isdigit())
