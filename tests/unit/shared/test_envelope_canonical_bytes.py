"""Golden bytes for the canonical envelope codec: leaves are hashed into Merkle proofs, so the
bytes for a given envelope must never change, and decoding must reject exactly what it did."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.envelope import Envelope, InvalidEnvelopeError, decode_envelope, encode_envelope

JST = timezone(timedelta(hours=9))
EST = timezone(timedelta(hours=-5))
NEPAL = timezone(timedelta(hours=5, minutes=45))
MARQUESAS = timezone(timedelta(hours=-9, minutes=-30))

GOLDEN: dict[str, tuple[Envelope, str]] = {
    "japanese text, offsets, nested payload": (
        Envelope(
            event_id=UUID("019a7c3e-5b2f-7c1d-8e4a-3f6b2d1c0a99"),
            type="consultation.received",
            schema_version=1,
            case_id="case-1",
            subject_id="subject-1",
            occurred_at=datetime(2025, 4, 1, 9, 30, tzinfo=JST),
            recorded_at=datetime(2025, 4, 1, 9, 30, 5, 250000, tzinfo=EST),
            producer="intake",
            causation_id="cause-9",
            correlation_id="corr-1",
            payload={
                "channel": "phone",
                "summary": "相談内容は家賃の滞納について",
                "name": {"enc": "v1", "kid": "k1", "ct": "QUJD"},
                "tags": ["至急", "再連絡"],
            },
        ),
        '{"case_id":"case-1","causation_id":"cause-9","correlation_id":"corr-1",'
        '"event_id":"019a7c3e-5b2f-7c1d-8e4a-3f6b2d1c0a99","occurred_at":"2025-04-01T00:30:00Z",'
        '"payload":{"channel":"phone","name":{"ct":"QUJD","enc":"v1","kid":"k1"},'
        '"summary":"相談内容は家賃の滞納について","tags":["至急","再連絡"]},"producer":"intake",'
        '"recorded_at":"2025-04-01T14:30:05.250000Z","schema_version":1,'
        '"subject_id":"subject-1","type":"consultation.received"}',
    ),
    "numbers, literals and deep nesting": (
        Envelope(
            event_id=UUID("019a7c3e-5b2f-7c1d-8e4a-3f6b2d1c0a9a"),
            type="policy.decided",
            schema_version=12,
            case_id="c.2:x_y-z",
            occurred_at=datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            recorded_at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
            producer="policy",
            correlation_id="corr-2",
            payload={
                "int": 0,
                "neg": -42,
                "big": 2**70,
                "i64": 2**63,
                "half": 1.5,
                "tenth": 0.1,
                "large": 1e16,
                "small": 1e-7,
                "negzero": -0.0,
                "exact": 123456789.125,
                "third": 1 / 3,
                "yes": True,
                "no": False,
                "none": None,
                "empty_list": [],
                "empty_dict": {},
                "nested": {"z": [{"b": 2, "a": 1}, [3, [4.25, None]]], "a": {"y": {"x": "深い"}}},
            },
        ),
        '{"case_id":"c.2:x_y-z","causation_id":null,"correlation_id":"corr-2",'
        '"event_id":"019a7c3e-5b2f-7c1d-8e4a-3f6b2d1c0a9a","occurred_at":"2025-12-31T23:59:59.999999Z",'
        '"payload":{"big":1180591620717411303424,"empty_dict":{},"empty_list":[],'
        '"exact":123456789.125,"half":1.5,"i64":9223372036854775808,"int":0,"large":1e+16,'
        '"neg":-42,"negzero":-0.0,"nested":{"a":{"y":{"x":"深い"}},"z":[{"a":1,"b":2},[3,[4.25,null]]]},'
        '"no":false,"none":null,"small":1e-07,"tenth":0.1,"third":0.3333333333333333,"yes":true},'
        '"producer":"policy","recorded_at":"2026-01-01T00:00:00Z","schema_version":12,'
        '"subject_id":null,"type":"policy.decided"}',
    ),
    "escapes, key order and odd offsets": (
        Envelope(
            event_id=UUID("019a7c3e-5b2f-7c1d-8e4a-3f6b2d1c0a9b"),
            type="case.close_requested",
            schema_version=3,
            case_id="C",
            subject_id="S",
            occurred_at=datetime(1999, 1, 2, 3, 4, 5, 6, tzinfo=NEPAL),
            recorded_at=datetime(2025, 6, 1, tzinfo=MARQUESAS),
            producer="privacy",
            correlation_id="corr-3",
            payload={
                "quote": 'say "hi"',
                "backslash": "a\\b",
                "slash": "a/b",
                "controls": "\n\t\r\b\f\x01\x1f",
                "del": "\x7f",
                "separators": "\u2028\u2029",
                "emoji": "🙂",
                "é": 1,
                "日": 2,
                "Z": 3,
                "a": 4,
                "_": 5,
                "": 6,
            },
        ),
        '{"case_id":"C","causation_id":null,"correlation_id":"corr-3",'
        '"event_id":"019a7c3e-5b2f-7c1d-8e4a-3f6b2d1c0a9b","occurred_at":"1999-01-01T21:19:05.000006Z",'
        '"payload":{"":6,"Z":3,"_":5,"a":4,"backslash":"a\\\\b",'
        '"controls":"\\n\\t\\r\\b\\f\\u0001\\u001f","del":"\x7f","emoji":"🙂",'
        '"quote":"say \\"hi\\"","separators":"\u2028\u2029","slash":"a/b","é":1,"日":2},'
        '"producer":"privacy","recorded_at":"2025-06-01T09:30:00Z","schema_version":3,'
        '"subject_id":"S","type":"case.close_requested"}',
    ),
    "minimal": (
        Envelope(
            event_id=UUID("019a7c3e-5b2f-7c1d-8e4a-3f6b2d1c0a9c"),
            type="a.b",
            schema_version=1,
            case_id="c",
            occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
            recorded_at=datetime(2025, 1, 1, tzinfo=UTC),
            producer="p",
            correlation_id="r",
        ),
        '{"case_id":"c","causation_id":null,"correlation_id":"r",'
        '"event_id":"019a7c3e-5b2f-7c1d-8e4a-3f6b2d1c0a9c","occurred_at":"2025-01-01T00:00:00Z",'
        '"payload":{},"producer":"p","recorded_at":"2025-01-01T00:00:00Z","schema_version":1,'
        '"subject_id":null,"type":"a.b"}',
    ),
}


def _reference_encoding(envelope: Envelope) -> bytes:
    # The codec the golden bytes were taken from: pydantic's JSON-mode dump, written by the
    # json module with sorted keys and compact separators.
    return json.dumps(
        envelope.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


@pytest.mark.parametrize(("original", "golden"), GOLDEN.values(), ids=list(GOLDEN))
def test_encoding_is_pinned_to_golden_bytes(original: Envelope, golden: str) -> None:
    expected = golden.encode("utf-8")

    assert encode_envelope(original) == expected
    assert decode_envelope(expected) == original
    assert encode_envelope(decode_envelope(expected)) == expected


@pytest.mark.parametrize(("original", "golden"), GOLDEN.values(), ids=list(GOLDEN))
def test_encoding_agrees_with_pydantic_and_the_json_module(original: Envelope, golden: str) -> None:
    assert encode_envelope(original) == _reference_encoding(original) == golden.encode("utf-8")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(
    payload=st.dictionaries(st.text(), JSON_VALUES, max_size=6),
    moment=st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.timezones()
    ),
    version=st.integers(min_value=1),
)
def test_any_envelope_encodes_as_the_reference_codec(
    payload: dict[str, Any], moment: datetime, version: int
) -> None:
    fields = GOLDEN["minimal"][0].model_dump()
    original = Envelope(
        **{**fields, "schema_version": version, "occurred_at": moment, "payload": payload}
    )

    data = encode_envelope(original)

    assert data == _reference_encoding(original)
    assert encode_envelope(decode_envelope(data)) == data


def test_times_offset_outside_validation_keep_their_offset() -> None:
    # model_copy skips validation; such an envelope still encodes as pydantic writes it.
    original = GOLDEN["minimal"][0].model_copy(
        update={"occurred_at": datetime(2025, 1, 1, 9, 0, 0, 500, tzinfo=JST)}
    )

    assert b'"occurred_at":"2025-01-01T09:00:00.000500+09:00"' in encode_envelope(original)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused_when_encoding(number: float) -> None:
    original = GOLDEN["minimal"][0].model_copy(update={"payload": {"x": [number]}})

    with pytest.raises(ValueError, match="JSON compliant"):
        encode_envelope(original)


def test_decoding_normalizes_offsets_to_utc() -> None:
    document = json.loads(GOLDEN["minimal"][1])
    document["occurred_at"] = "2025-01-01T09:00:00.000001+09:00"
    document["recorded_at"] = "2024-12-31T19:00:00-05:00"

    decoded = decode_envelope(json.dumps(document).encode())

    assert decoded.occurred_at == datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    assert decoded.occurred_at.utcoffset() == timedelta(0)
    assert decoded.recorded_at.utcoffset() == timedelta(0)
    assert b'"occurred_at":"2025-01-01T00:00:00.000001Z"' in encode_envelope(decoded)
    assert b'"recorded_at":"2025-01-01T00:00:00Z"' in encode_envelope(decoded)


def _document(**changes: Any) -> bytes:
    document = {**json.loads(GOLDEN["minimal"][1]), **changes}
    return json.dumps({key: value for key, value in document.items() if value != "DROP"}).encode()


IDENTIFIER_RULE = "String should match pattern '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'"
REJECTIONS: dict[str, tuple[bytes, str]] = {
    "not json": (b"\xff not json", "<root>: Invalid JSON: expected value at line 1 column 1"),
    "not an object": (b"[1,2]", "<root>: Input should be an object"),
    "truncated": (_document()[:-5], "<root>: Invalid JSON: EOF while parsing a string"),
    "naive time": (
        _document(occurred_at="2025-01-01T09:00:00"),
        "occurred_at: Input should have timezone info",
    ),
    "not a time": (
        _document(recorded_at="yesterday"),
        "recorded_at: Input should be a valid datetime",
    ),
    "number as time": (
        _document(occurred_at=1735689600),
        "occurred_at: Input should be a valid datetime",
    ),
    "uuid4 event id": (
        _document(event_id="0b6f2d9e-3c1a-4f7e-9d2b-8a5c4e3f2a1b"),
        "event_id: UUID version 7 expected",
    ),
    "event type": (
        _document(type="Bad"),
        "type: String should match pattern '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$'",
    ),
    "version as string": (
        _document(schema_version="1"),
        "schema_version: Input should be a valid integer",
    ),
    "version zero": (
        _document(schema_version=0),
        "schema_version: Input should be greater than or equal to 1",
    ),
    "identifiers": (
        _document(case_id="a b", subject_id="x@y"),
        f"case_id: {IDENTIFIER_RULE}; subject_id: {IDENTIFIER_RULE}",
    ),
    "missing field": (_document(producer="DROP"), "producer: Field required"),
    "extra field": (_document(extra=1), "extra: is not a field of the schema"),
    "payload list": (_document(payload=[1]), "payload: Input should be an object"),
    "payload null": (_document(payload=None), "payload: Input should be an object"),
}


@pytest.mark.parametrize(("data", "reason"), REJECTIONS.values(), ids=list(REJECTIONS))
def test_rejections_keep_their_reasons(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidEnvelopeError) as raised:
        decode_envelope(data)

    assert str(raised.value).startswith(f"invalid envelope: {reason}")
    assert raised.value.__cause__ is None
