"""Records' handler table, through `bootstrap` on the in-memory bus and SQLite: concurrent
appends share transactions, redelivery changes nothing, one bad event fails alone, every case
of a batch is acknowledged on the records topic, a reveal is recorded before it is shown, and
privacy's key destructions empty the key cache. (They replace the Recorder's tests.)"""

import asyncio
import inspect

import pytest

from services.records.domain.access import Reveal
from services.records.domain.acknowledgements import acknowledgements
from services.records.domain.errors import EventConflictError
from services.records.domain.events import Appended, ReceivedEvent
from services.records.domain.timeline import Window
from services.records.service_layer import messages
from services.records.service_layer.handlers import HANDLERS
from services.records.service_layer.messages import (
    ExportBundle,
    IssueCheckpoint,
    Message,
    ReplayTimeline,
)
from shared.auth.roles import Role
from shared.bundle.check import verify_bundle
from shared.bus.errors import BusError
from shared.envelope import decode_envelope
from shared.merkle.checkpoint import open_checkpoint
from shared.merkle.keys import NoteVerifier
from tests.unit.records.conftest import MakeEnvelope, Wired

LEGAL = Reveal("legal-1", Role.LEGAL, purpose="request R-1", matter=None)


def verifier(wired: Wired) -> NoteVerifier:
    return NoteVerifier.parse(wired.records.identity.verifier_key)


def declared_messages() -> set[type[object]]:
    return {
        value
        for _, value in inspect.getmembers(messages, inspect.isclass)
        if issubclass(value, Message) and value is not Message
    }


def test_every_message_records_declares_has_exactly_one_handler() -> None:
    assert declared_messages() == set(HANDLERS.message_types)


async def test_concurrent_callers_share_transactions(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    envelopes = [make_envelope(f"case-{n % 3}", n) for n in range(12)]

    appended = await asyncio.gather(*(wired.record(e) for e in envelopes))

    assert sorted(a.position for a in appended) == list(range(12))
    assert 1 < wired.transactions.opened < 12  # the first alone, then the rest together
    assert await wired.records.store.size() == 12


async def test_redelivery_keeps_the_first_place(wired: Wired, make_envelope: MakeEnvelope) -> None:
    envelope = make_envelope("case-1", 0)

    first = await wired.record(envelope)
    again = await wired.record(envelope)

    assert (first.is_new, again.is_new) == (True, False)
    assert (again.position, again.case_position) == (first.position, first.case_position)
    assert await wired.records.store.size() == 1


async def test_one_conflicting_event_fails_alone(wired: Wired, make_envelope: MakeEnvelope) -> None:
    original = make_envelope("case-1", 0)
    await wired.record(original)
    forged = original.model_copy(update={"payload": {"note": "another story"}})
    others = [make_envelope("case-2", n) for n in range(3)]

    results = await asyncio.gather(
        *(wired.record(e) for e in [*others[:2], forged, others[2]]), return_exceptions=True
    )

    assert isinstance(results[2], EventConflictError)
    assert [isinstance(r, Appended) for r in results] == [True, True, False, True]
    assert await wired.records.store.size() == 4


async def test_each_case_of_a_batch_is_acknowledged_on_the_records_topic(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    await wired.record(make_envelope("case-1", 0))
    await asyncio.gather(
        *(wired.record(make_envelope(c, n)) for n in (1, 2) for c in ("case-1", "case-2"))
    )

    published = wired.published()
    acks = wired.acknowledgements()
    assert [key for key, _ in published] == [a.case_id.encode() for a in acks]
    newest = {a.case_id: a.payload for a in acks}
    assert newest["case-1"]["case_position"] == 2
    assert newest["case-2"]["case_position"] == 1
    assert acks[0].payload["checkpoint_size"] == 1  # the first event was signed at once


async def test_a_failed_acknowledgement_fails_the_caller_and_a_retry_stores_nothing_twice(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    envelope = make_envelope("case-1", 0)
    wired.bus.broker.available = False
    with pytest.raises(BusError):
        await wired.record(envelope)
    wired.bus.broker.available = True

    retried = await wired.record(envelope)

    assert (retried.is_new, await wired.records.store.size()) == (False, 1)
    assert len(wired.acknowledgements()) == 1


async def test_a_reveal_is_recorded_in_the_log_and_published_under_its_own_key(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    await wired.record(make_envelope("case-1", 0))

    timeline = await wired.records.handle(
        ReplayTimeline("case-1", Window(), LEGAL, correlation_id="corr-reveal")
    )

    assert timeline.access_event_id is not None
    access = await wired.records.store.event(timeline.access_event_id)
    assert (access.case_id, access.event_type) == ("case-1", "access.recorded")
    own = [(key, e) for key, e in wired.published() if e.type == "access.recorded"]
    assert own == [
        (f"access.recorded:{timeline.access_event_id}".encode(), decode_envelope(access.leaf))
    ]
    assert own[0][1].payload["actor"] == "legal-1"


async def test_a_timeline_without_reveal_records_no_access(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    envelope = make_envelope("case-1", 0)
    await wired.record(envelope)

    timeline = await wired.records.handle(
        ReplayTimeline("case-1", Window(), None, correlation_id="corr-read")
    )

    assert timeline.access_event_id is None
    assert [entry.payload for entry in timeline.entries] == [envelope.payload]
    assert await wired.records.store.size() == 1


async def test_a_bundle_is_proven_against_a_checkpoint_that_covers_every_event_of_the_case(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    for n in range(3):
        await wired.record(make_envelope("case-1", n))
    await wired.record(make_envelope("case-2", 0))

    bundle = await wired.records.handle(ExportBundle("case-1", None, None, "corr-bundle"))

    verdict = verify_bundle(bundle, trusted=[verifier(wired)])
    assert (verdict.ok, verdict.key_trusted, bundle.tree_size) == (True, True, 4)
    assert [e.case_position for e in bundle.events] == [0, 1, 2]
    assert bundle.case_map is not None
    assert (bundle.case_map.events, verdict.complete) == (3, True)
    kept = await wired.records.store.case_map_statement(4)
    assert kept == bundle.case_map.statement  # proved against the statement kept for size 4
    assert bundle.revealed is None
    assert bundle.access_event_id is None


async def test_issuing_a_checkpoint_signs_the_current_size_once(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    for n in range(2):
        await wired.record(make_envelope("case-1", n))

    first = await wired.records.handle(IssueCheckpoint())
    again = await wired.records.handle(IssueCheckpoint())

    assert first.size == 2
    assert again == first
    assert [c.size for c in await wired.records.store.checkpoints()] == [1, 2]  # 1: the first


async def test_a_subject_erased_is_acknowledged_with_a_signed_checkpoint_that_includes_it(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    # Issue 14, finding 14: privacy binds its receipt to the note sent here (it was never sent).
    for n in range(3):
        await wired.record(make_envelope("case-1", n))
    erased = make_envelope("case-1", 3).model_copy(
        update={"type": "subject.erased", "producer": "privacy"}
    )

    where = await wired.record(erased)

    ack = wired.acknowledgements()[-1].payload
    assert (ack["event_id"], ack["event_type"], ack["position"]) == (
        str(erased.event_id),
        "subject.erased",
        where.position,
    )
    note = ack["checkpoint_note"]
    assert isinstance(note, str)
    origin = wired.records.identity.origin
    checkpoint = open_checkpoint(note, [verifier(wired)], origin=origin)
    assert checkpoint.size == ack["checkpoint_size"]
    assert checkpoint.size > where.position


def test_a_subject_erased_is_acknowledged_even_when_a_later_event_of_its_case_follows(
    make_envelope: MakeEnvelope,
) -> None:
    erased = make_envelope("case-1", 0).model_copy(update={"type": "subject.erased"})
    later = make_envelope("case-1", 1)
    received = [ReceivedEvent(erased), ReceivedEvent(later)]
    appended = [Appended(str(e.event_id), n, n, is_new=True) for n, e in enumerate((erased, later))]

    acks = acknowledgements(
        received, appended, tree_size=2, checkpoint=None, now=erased.occurred_at
    )

    assert [(a.payload["event_id"], a.payload["position"]) for a in acks] == [
        (str(erased.event_id), 0),
        (str(later.event_id), 1),  # last, so the compacted topic keeps the newest
    ]
