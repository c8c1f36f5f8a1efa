"""The anonymized copy of a case as business users get it: no identity, scrubbed text, months
instead of dates. It carries a random copy id, not the case id."""

from datetime import date, datetime

from shared.contracts.privacy import (
    AnonymizedCopy,
    CopiedContact,
    CopiedDecision,
    CopiedDemand,
    CopiedProduct,
    copy_digest,
)

__all__ = [
    "AnonymizedCopy",
    "CopiedContact",
    "CopiedDecision",
    "CopiedDemand",
    "CopiedProduct",
    "copy_digest",
    "month",
]


def month(moment: date | datetime | None) -> str | None:
    """`2026-11`: in the moment's own time zone, the month the people involved saw."""
    return None if moment is None else f"{moment.year:04d}-{moment.month:02d}"
