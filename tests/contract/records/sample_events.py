"""Envelopes for the records contract suite: several cases, distinct payloads, fixed times."""

from datetime import UTC, datetime, timedelta

from services.records.domain.events import Origin, ReceivedEvent
from shared.envelope import Envelope

ORIGIN = "caselog.example/records"
START = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


def envelope(case_id: str, n: int, note: str | None = None) -> Envelope:
    return Envelope(
        type="consultation.received" if n == 0 else "contact.logged",
        schema_version=1,
        case_id=case_id,
        subject_id=f"subject-{case_id}",
        occurred_at=START + timedelta(minutes=n),
        producer="intake",
        correlation_id=f"corr-{case_id}",
        payload={"note": note or f"contact {n} of {case_id}", "n": n},
    )


def received(envelope: Envelope, offset: int = 0) -> ReceivedEvent:
    return ReceivedEvent(envelope, Origin("caselog.intake", 0, offset))


def interleaved(cases: int, per_case: int) -> list[ReceivedEvent]:
    """Events of `cases` cases, interleaved as they would arrive from several partitions."""
    events = [received(envelope(f"case-{c}", n)) for n in range(per_case) for c in range(cases)]
    return [received(e.envelope, offset) for offset, e in enumerate(events)]
