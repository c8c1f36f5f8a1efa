"""The envelope's header read straight from its canonical bytes, the payload left unparsed: an
audit checks every row's columns against it, and decoding each envelope in full (pydantic, then
re-encoding it to check its form) cost twenty times the SHA-256 of its bytes.

Canonical bytes (`shared.envelope.encode_envelope`) sort their keys, so the fields before
"payload" open the bytes and those after it close them; every header value is an identifier,
a UUID, an event type, a number or a UTC time, none of which JSON escapes, so one pattern each
reads them exactly. Bytes that do not match are not thereby wrong (an escaped character, a
field a later envelope version adds): the caller then decodes them in full.
"""

import re
from datetime import datetime
from typing import NamedTuple

_ID = rb'"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}"'
_TIME = rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{6})?Z)"'
_HEAD = re.compile(
    rb'\{"case_id":"([A-Za-z0-9][A-Za-z0-9._:-]{0,127})","causation_id":(?:null|'
    + _ID
    + rb'),"correlation_id":'
    + _ID
    + rb',"event_id":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",'
    + rb'"occurred_at":'
    + _TIME
    + rb',"payload":\{'
)
_TAIL_KEY = b'},"producer":'
_TAIL = re.compile(
    rb'\},"producer":'
    + _ID
    + rb',"recorded_at":'
    + _TIME
    + rb',"schema_version":[1-9][0-9]{0,9},"subject_id":(?:null|'
    + _ID
    + rb'),"type":"([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)"\}\Z'
)


class LeafHeader(NamedTuple):
    """The envelope fields the log's columns repeat, as its bytes hold them."""

    event_id: str
    case_id: str
    event_type: str
    occurred_at: datetime
    recorded_at: datetime


def read_header(leaf: bytes) -> LeafHeader | None:
    """The header of canonical envelope bytes; None if `leaf` is not in the form read here.

    The payload between head and tail is only seen to open and close as an object: its bytes
    are what the leaf hash proves, and its form is the writer's (a validated envelope, encoded
    canonically on append).
    """
    head = _HEAD.match(leaf)
    if head is None:
        return None
    # The last occurrence: the payload comes before the tail, and no header value holds a quote.
    start = leaf.rfind(_TAIL_KEY)
    tail = _TAIL.match(leaf, start) if start >= head.end() - 1 else None
    if tail is None:
        return None
    case_id, event_id, occurred_at = head.groups()
    recorded_at, event_type = tail.groups()
    return LeafHeader(
        event_id.decode(),
        case_id.decode(),
        event_type.decode(),
        datetime.fromisoformat(occurred_at.decode()),
        datetime.fromisoformat(recorded_at.decode()),
    )
