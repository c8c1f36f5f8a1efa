"""Revealing personal fields to an authorized reader, and accounting for it in the log itself:
a reveal whose access cannot be recorded fails, and nothing is shown."""

from collections.abc import Sequence
from datetime import datetime

from services.records.domain.access import Reveal, View, access_event
from services.records.domain.errors import UnreadableFieldsError
from services.records.domain.personal_fields import PERSONAL_FIELDS
from services.records.domain.revealing import revealed_paths
from services.records.domain.timeline import CaseEvent, TimelineEntry, Window
from services.records.service_layer.ports import PersonalFields
from services.records.service_layer.recorder import Recorder


async def reveal_entries(
    events: Sequence[CaseEvent], personal: PersonalFields, reveal: Reveal
) -> list[TimelineEntry]:
    """Each event with its personal fields in plaintext, or `[erased]` after shredding.

    The key store is asked first, once for the whole read: a reveal that starts after an
    erasure answered MUST NOT show plaintext, though a key destroyed by privacy may still be
    cached in this process until privacy's event arrives here.
    """
    destroyed = await personal.destroyed_keys({event.envelope.case_id for event in events})
    entries: list[TimelineEntry] = []
    for event in events:
        envelope = event.envelope
        payload = dict(envelope.payload)
        schema = PERSONAL_FIELDS.get(envelope.type)
        if schema is None:
            entries.append(TimelineEntry(event, payload))
            continue
        try:
            shown = await personal.reveal(
                payload,
                schema,
                case_id=envelope.case_id,
                event_id=str(envelope.event_id),
                reader=reveal.reader,
                key_destroyed=envelope.case_id in destroyed,
            )
        except UnreadableFieldsError:
            entries.append(TimelineEntry(event, payload, unreadable=True))
            continue
        entries.append(TimelineEntry(event, shown, revealed_paths(payload, shown)))
    return entries


async def record_access(
    recorder: Recorder,
    reveal: Reveal,
    entries: Sequence[TimelineEntry],
    *,
    case_id: str,
    view: View,
    window: Window,
    correlation_id: str,
    now: datetime,
) -> str:
    """Appends (and publishes) the `access.recorded` event of a reveal; returns its id."""
    subject_id = next(
        (e.event.envelope.subject_id for e in entries if e.event.envelope.subject_id), None
    )
    fields = {str(entry.event.envelope.event_id): entry.revealed_fields for entry in entries}
    envelope = access_event(
        reveal,
        case_id=case_id,
        subject_id=subject_id,
        view=view,
        window=window,
        fields=fields,
        correlation_id=correlation_id,
        now=now,
    )
    await recorder.record_own(envelope)
    return str(envelope.event_id)
