"""Identifiers: UUIDv7 event ids and the one pattern every opaque identifier must match."""

from typing import Annotated
from uuid import UUID, uuid4

from pydantic import StringConstraints
from uuid6 import uuid7

# Letters, digits and `._:-` only: enough for UUIDs, ULIDs and platform ticket ids, and
# never an e-mail address, a phone number with spaces or a name with spaces.
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]
"""An opaque id (case, subject, correlation): at most 128 characters, no personal data shape."""


def new_event_id() -> UUID:
    """A fresh UUIDv7: time-ordered, so ids sort by creation and index well."""
    # A plain uuid.UUID, so equality, pickling and pydantic never see the uuid6 subclass.
    return UUID(int=uuid7().int)


def new_identifier() -> str:
    """A fresh random identifier (cases, subjects, correlations); random, unlike UUIDv7,
    so it does not reveal when a subject was first seen."""
    return str(uuid4())
