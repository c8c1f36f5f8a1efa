"""The envelope: strict fields, canonical bytes, and decoding errors that never quote the input."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from shared.bus.delivery import describe_error
from shared.bus.errors import PermanentHandlingError
from shared.envelope import (
    Envelope,
    InvalidEnvelopeError,
    decode_envelope,
    encode_envelope,
    message_key,
)

JST = timezone(timedelta(hours=9))


def envelope(**changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "type": "consultation.received",
        "schema_version": 1,
        "case_id": "case-1",
        "subject_id": "subject-1",
        "occurred_at": datetime(2025, 4, 1, 9, 30, tzinfo=JST),
        "producer": "intake",
        "correlation_id": "corr-1",
        "payload": {"channel": "phone", "name": {"enc": "v1", "kid": "k1", "ct": "..."}},
    }
    return Envelope(**{**fields, **changes})


def test_encoding_is_canonical_and_round_trips() -> None:
    original = envelope(payload={"z": 1, "a": {"y": "日本", "b": [3, 1]}})

    data = encode_envelope(original)

    assert decode_envelope(data) == original
    assert encode_envelope(decode_envelope(data)) == data
    text = data.decode("utf-8")
    assert ", " not in text
    assert ": " not in text
    assert "日本" in text  # UTF-8, not \u escapes
    document = json.loads(text)
    assert list(document) == sorted(document)
    assert list(document["payload"]) == ["a", "z"]


def test_times_are_stored_in_utc() -> None:
    assert envelope().occurred_at == datetime(2025, 4, 1, 0, 30, tzinfo=UTC)
    assert b'"occurred_at":"2025-04-01T00:30:00Z"' in encode_envelope(envelope())


def test_naive_times_are_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        envelope(occurred_at=datetime(2025, 4, 1, 9, 30))


def test_event_ids_are_uuid7_by_default_and_required_to_be() -> None:
    first, second = envelope(), envelope()

    assert first.event_id.version == 7
    assert first.event_id != second.event_id
    with pytest.raises(ValidationError):
        envelope(event_id=uuid4())


@pytest.mark.parametrize("event_type", ["Consultation.Received", "received", "a..b", "a.b-c"])
def test_event_types_are_dotted_lower_case_names(event_type: str) -> None:
    with pytest.raises(ValidationError):
        envelope(type=event_type)


@pytest.mark.parametrize(
    ("field", "value"),
    [("schema_version", 0), ("case_id", "taro@example.com"), ("correlation_id", "a b")],
)
def test_invalid_fields_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        envelope(**{field: value})


def test_decoding_garbage_is_a_permanent_error() -> None:
    with pytest.raises(InvalidEnvelopeError) as raised:
        decode_envelope(b"\xff not json")

    assert isinstance(raised.value, PermanentHandlingError)


def test_decoding_errors_name_fields_and_never_values() -> None:
    document = json.loads(encode_envelope(envelope()))
    document["case_id"] = "taro.yamada@example.com"
    document["schema_version"] = "one-hundred-secret"
    del document["producer"]

    with pytest.raises(InvalidEnvelopeError) as raised:
        decode_envelope(json.dumps(document).encode())

    message = str(raised.value)
    assert "case_id" in message
    assert "schema_version" in message
    assert "producer: Field required" in message
    assert "taro" not in message
    assert "secret" not in message
    # Not chained: a logged traceback would otherwise show pydantic's text, input included.
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    assert describe_error(raised.value) == message


def test_unknown_fields_are_rejected() -> None:
    document = json.loads(encode_envelope(envelope()))
    document["extra"] = 1

    with pytest.raises(InvalidEnvelopeError, match="extra"):
        decode_envelope(json.dumps(document).encode())


def test_message_key_prefers_the_subject() -> None:
    assert message_key(envelope()) == b"subject-1"
    assert message_key(envelope(subject_id=None)) == b"case-1"


def test_follow_up_keeps_case_subject_and_correlation() -> None:
    cause = envelope()

    effect = cause.follow_up(
        event_type="policy.decided", schema_version=2, producer="policy", payload={"d": "accept"}
    )

    assert (effect.case_id, effect.subject_id) == (cause.case_id, cause.subject_id)
    assert effect.correlation_id == cause.correlation_id
    assert effect.causation_id == str(cause.event_id)
    assert UUID(effect.causation_id).version == 7
    assert effect.event_id != cause.event_id
