"""A consultation as intake accepts it: the model is the contract's (shared/contracts/intake.py);
here only what intake decides about it (whose platform a source is)."""

from services.intake.domain.errors import InvalidRequestError
from shared.contracts.intake import (
    MAX_BODY_BYTES,
    CalendarDate,
    Call,
    Channel,
    ClientTime,
    Consultation,
    Customer,
    Demand,
    DemandType,
    Money,
    PlatformName,
    Product,
    Reference,
    Relationship,
    ShortText,
    Source,
    Strict,
    Text,
)

__all__ = [
    "MAX_BODY_BYTES",
    "CalendarDate",
    "Call",
    "Channel",
    "ClientTime",
    "Consultation",
    "Customer",
    "Demand",
    "DemandType",
    "Money",
    "PlatformName",
    "Product",
    "Reference",
    "Relationship",
    "ShortText",
    "Source",
    "Strict",
    "Text",
    "claimed_by",
]


def claimed_by(source: Source, platform: str, field: str = "source.platform") -> Source:
    """`source` with the platform the server decided; a body naming another is refused (a
    REST writer must not claim a webhook platform's ticket)."""
    if source.platform not in (None, platform):
        reason = f"is decided by the server from the credential ({platform}); leave it out"
        raise InvalidRequestError(field, reason)
    return (
        source
        if source.platform == platform
        else Source(platform=platform, external_id=source.external_id)
    )
