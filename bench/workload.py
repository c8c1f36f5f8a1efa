"""Events the benchmarks write: envelopes of a set size whose payload looks like ciphertext."""

import base64
import os
from datetime import UTC, datetime, timedelta

from pydantic import JsonValue

from services.records.domain.events import Origin, ReceivedEvent
from shared.envelope import Envelope, encode_envelope
from shared.settings import DEFAULT_TOPICS

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EVENT_BYTES = 1024
SOURCE_TOPIC = DEFAULT_TOPICS.intake


def envelope(case_id: str, n: int, size: int = EVENT_BYTES) -> Envelope:
    """Event `n` of a case, `size` bytes once encoded (canonical JSON); fixed times per `n`."""
    first = _envelope(case_id, n, filler=0)
    return _envelope(case_id, n, filler=max(0, size - len(encode_envelope(first))))


def case_events(case_id: str, count: int, first_offset: int = 0) -> list[ReceivedEvent]:
    """`count` events of one case, in the order they happened."""
    return [
        ReceivedEvent(envelope(case_id, n), Origin(SOURCE_TOPIC, 0, first_offset + n))
        for n in range(count)
    ]


def interleaved_events(cases: int, per_case: int) -> list[ReceivedEvent]:
    """Events of `cases` cases interleaved, as they arrive from a topic's partitions."""
    order = [(f"case-{c:05d}", n) for n in range(per_case) for c in range(cases)]
    return [
        ReceivedEvent(envelope(case_id, n), Origin(SOURCE_TOPIC, 0, offset))
        for offset, (case_id, n) in enumerate(order)
    ]


def _envelope(case_id: str, n: int, filler: int) -> Envelope:
    occurred = START + timedelta(seconds=n)
    return Envelope(
        type="consultation.received" if n == 0 else "contact.logged",
        schema_version=1,
        case_id=case_id,
        subject_id=f"subject-{case_id}",
        occurred_at=occurred,
        recorded_at=occurred + timedelta(seconds=1),
        producer="intake",
        correlation_id=f"corr-{case_id}",
        payload={"n": n, "channel": "phone", "body": _ciphertext_like(filler)},
    )


def _ciphertext_like(chars: int) -> dict[str, JsonValue]:
    """The shape of a sealed field (shared/crypto/ciphertext.py), `chars` long in `ct`."""
    return {
        "enc": "v1",
        "kid": "k-bench",
        "nonce": base64.b64encode(bytes(12)).decode(),
        "ct": base64.b64encode(os.urandom(chars)).decode()[:chars],
    }


def consultation_events(start: int, count: int, per_case: int, active: int) -> list[ReceivedEvent]:
    """Events `start` .. `start + count` of a log of consultations of `per_case` events each,
    `active` cases at a time interleaved (so every `active * per_case` events close that many
    cases), each about EVENT_BYTES once encoded; made as needed, a million never in memory."""
    filler = EVENT_BYTES - len(encode_envelope(_envelope("case-0000000", 0, filler=0)))
    block = active * per_case
    events = []
    for index in range(start, start + count):
        case = index // block * active + index % active
        n = index % block // active
        envelope = _envelope(f"case-{case:07d}", n, filler=max(0, filler))
        events.append(ReceivedEvent(envelope, Origin(SOURCE_TOPIC, 0, index)))
    return events


def consultations_in(events: int, per_case: int, active: int) -> int:
    """How many consultations the first `events` of `consultation_events` have begun."""
    block = active * per_case
    return events // block * active + min(events % block, active)
