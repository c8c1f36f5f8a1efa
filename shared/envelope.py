"""The envelope every event travels in, and its canonical JSON encoding on the bus."""

import json
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    UUID7,
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
)
from pydantic_core import to_jsonable_python

from shared.bus.errors import PermanentHandlingError
from shared.ids import Identifier, new_event_id
from shared.validation import summarize

# Dotted lower-case words, e.g. "consultation.received", "case.close_requested".
EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# Timestamps are kept in UTC so that one instant always encodes to the same bytes. The
# conversion is about a quarter of a decode, yet it stays even for "Z" input: pydantic parses
# that to its own TzInfo(0), and readers such as the records rows test `tzinfo is UTC`.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


def utc_now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


class InvalidEnvelopeError(PermanentHandlingError):
    """Bytes on the bus that are not a valid envelope; the message names fields, never values."""


class Envelope(BaseModel):
    """One event: who/what/when metadata plus a payload whose personal fields are ciphertext."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    event_id: UUID7 = Field(default_factory=new_event_id)
    type: str = Field(pattern=EVENT_TYPE_PATTERN, max_length=128)
    schema_version: int = Field(ge=1)
    case_id: Identifier
    subject_id: Identifier | None = None
    occurred_at: UtcDatetime
    recorded_at: UtcDatetime = Field(default_factory=utc_now)
    producer: Identifier
    causation_id: Identifier | None = None
    correlation_id: Identifier
    payload: dict[str, JsonValue] = Field(default_factory=dict)

    def follow_up(
        self,
        *,
        event_type: str,
        schema_version: int,
        producer: str,
        payload: dict[str, JsonValue],
        occurred_at: datetime | None = None,
    ) -> "Envelope":
        """An event caused by this one: same case, subject and correlation; caused by this id."""
        return Envelope(
            type=event_type,
            schema_version=schema_version,
            case_id=self.case_id,
            subject_id=self.subject_id,
            occurred_at=occurred_at or utc_now(),
            producer=producer,
            causation_id=str(self.event_id),
            correlation_id=self.correlation_id,
            payload=payload,
        )


# Built once: json.dumps with options builds a new encoder on every call. `default` hands the
# only non-JSON field values (the UUID event id, the datetimes) to pydantic's own serializer, so
# they are written exactly as `model_dump(mode="json")` writes them; the payload is already plain
# JSON values after validation, so it goes to the C encoder as it is. The bytes are Merkle
# leaves: tests/unit/shared/test_envelope_canonical_bytes.py pins them.
_CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    default=to_jsonable_python,
)


def encode_envelope(envelope: Envelope) -> bytes:
    """Canonical JSON: compact, keys sorted at every level, UTF-8; equal envelopes, equal bytes."""
    # The instance's field values as they are: no model_dump, whose JsonValue serializer
    # walks the payload value by value.
    return _CANONICAL_JSON.encode(envelope.__dict__).encode("utf-8")


def canonical_json(value: JsonValue) -> bytes:
    """Any JSON value in the envelope's canonical form (so a value hashes the same wherever)."""
    return _CANONICAL_JSON.encode(value).encode("utf-8")


def decode_envelope(data: bytes) -> Envelope:
    """Parse bytes from the bus; raises InvalidEnvelopeError (never retried) if they are not one."""
    try:
        return Envelope.model_validate_json(data)
    except ValidationError as error:
        # `from None`: the ValidationError's own text quotes the input, and a chained
        # cause would put it into every traceback that is logged.
        raise InvalidEnvelopeError(f"invalid envelope: {summarize(error)}") from None


def message_key(envelope: Envelope) -> bytes:
    """The partitioning key: the subject where known, so one person's events stay in order."""
    return (envelope.subject_id or envelope.case_id).encode("utf-8")
