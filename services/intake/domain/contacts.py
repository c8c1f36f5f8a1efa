"""What happens on a case after the first consultation: contacts, close requests, recordings."""

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from services.intake.domain.consultation import (
    Channel,
    ClientTime,
    PlatformName,
    Reference,
    Source,
    Strict,
    Text,
)
from shared.crypto.fields import Content, Recording


class ContactKind(StrEnum):
    CUSTOMER_CONTACT = "customer_contact"
    AGENT_RESPONSE = "agent_response"


class ClosureReason(StrEnum):
    SATISFIED = "satisfied"
    WITHDRAWN = "withdrawn"
    PERSUASION_DIFFICULT = "persuasion_difficult"


class Contact(Strict):
    """A follow-up on a case: the customer again, or our answer (possibly the final one)."""

    kind: ContactKind
    channel: Channel
    occurred_at: ClientTime
    body: Content[Text]
    final_answer: bool = Field(
        default=False, description="True when this agent response is the business's final answer"
    )
    duration_seconds: int | None = Field(default=None, ge=0, le=24 * 3600)
    source: Source | None = Field(
        default=None, description="The platform's id of this contact, for idempotency"
    )


class ClosureRequest(Strict):
    reason: ClosureReason
    requested_at: ClientTime
    note: Content[Text] | None = None
    supervisor_approved: bool = Field(
        default=False,
        description="A supervisor approves ending as persuasion-difficult (supervisors only)",
    )


class RecordingReference(Strict):
    """Where a call recording lives and its digest; the recording itself never enters caselog."""

    uri: Recording[Annotated[str, Field(min_length=1, max_length=2000)]]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    duration_seconds: int = Field(ge=0, le=24 * 3600)
    recorded_at: ClientTime | None = None


class PlatformFollowUp(Strict):
    """A platform event about an existing ticket (a comment, a reply): becomes a Contact."""

    platform: PlatformName
    ticket_id: Reference
    contact: Contact
