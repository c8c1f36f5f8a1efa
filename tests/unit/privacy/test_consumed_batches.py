"""A polled batch handled as one (issue 20) ends as its events handled one by one, on SQLite."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event

from services.privacy.bootstrap import Privacy
from services.privacy.domain.requests import Regime
from services.privacy.entrypoints.consumer import consume_all
from services.privacy.service_layer.messages import EraseSubject, Identities
from shared.settings import CaselogSettings
from tests.unit.privacy import batches
from tests.unit.privacy.conftest import Clock, RecordingBus, received, started
from tests.unit.privacy.samples import PHONE


@pytest.fixture
async def twin(
    settings: CaselogSettings, bus: RecordingBus, clock: Clock, tmp_path: Path
) -> AsyncIterator[Privacy]:
    """A second privacy: the same key store, signing key and clock, a database of its own."""
    own = settings.model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{tmp_path}/twin.sqlite3"}
    )
    async with started(own, bus, clock) as service:
        yield service


async def test_a_batch_applies_as_its_events_one_by_one(privacy: Privacy, twin: Privacy) -> None:
    await batches.check_batch_applies_as_one_by_one(alone=privacy, together=twin)


async def test_a_redelivered_batch_changes_nothing(twin: Privacy) -> None:
    await batches.check_redelivered_batch_changes_nothing(twin)


async def test_a_poison_event_in_a_batch_is_dead_lettered_alone(
    privacy: Privacy, twin: Privacy
) -> None:
    await batches.check_poison_event_is_dead_lettered_alone(alone=privacy, together=twin)


async def test_a_batch_takes_as_many_statements_at_any_size(twin: Privacy) -> None:
    """A few per table, not a few per event (issue 20)."""
    statements: list[str] = []

    def counted(*args: object) -> None:
        statements.append(str(args[2]))

    await consume_all(twin, await batches.consultations(twin, 1))  # the checkpoint row is there
    engine = twin.infrastructure.engine.sync_engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        counts = []
        for size in (2, 20):
            read = await batches.consultations(twin, size)
            statements.clear()
            await consume_all(twin, read)
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", counted)

    assert counts[0] == counts[1]
    assert counts[1] <= 12


async def test_a_waiting_receipt_is_bound_to_the_first_checkpoint_of_a_batch_that_covers_it(
    privacy: Privacy, bus: RecordingBus
) -> None:
    """As one by one: the acknowledgements then go alone, not the batch's largest log."""
    await received(privacy)
    signed = await privacy.handle(
        EraseSubject(Identities(phone=PHONE), Regime.GDPR, "officer-1", reference="DSR-7")
    )
    erased = [str(e.event_id) for e in bus.envelopes("subject.erased")]
    positions = [
        batches.acknowledged(
            20 + at, 4, position=10 + at, event_id=event_id, event_type="subject.erased"
        )
        for at, event_id in enumerate(erased)
    ]
    covering = [batches.acknowledged(30, 30, checkpoint_note=note) for note in ("first", "later")]
    covering[1].payload["tree_size"] = covering[1].payload["checkpoint_size"] = 31

    topic = privacy.topics.records
    await consume_all(privacy, [(topic, e) for e in [*positions, *covering]])

    receipt = await privacy.store.receipt(signed.receipt["request_id"])
    assert receipt is not None
    checkpoint = receipt.receipt["records_checkpoint"]
    assert (checkpoint["bound"], checkpoint["note"]) == (True, "first")
