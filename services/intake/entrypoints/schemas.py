"""What intake's API answers (requests are the domain models themselves)."""

from datetime import datetime

from pydantic import BaseModel


class AcceptedResponse(BaseModel):
    """A write was recorded (or had been: `duplicate`), and will reach the bus."""

    case_id: str
    event_id: str
    duplicate: bool


class EventStatusResponse(BaseModel):
    event_id: str
    type: str
    recorded_at: datetime
    published: bool


class CaseStatusResponse(BaseModel):
    """How far intake got with a case; never any personal data."""

    case_id: str
    events: list[EventStatusResponse]
