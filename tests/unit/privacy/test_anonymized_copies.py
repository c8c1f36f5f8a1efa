"""The anonymized copy stays out of the permanent log: kept sealed under a business-copy key
in privacy's store, its digest in `case.anonymized` (v2); served decrypted, corrected or
withdrawn with events that carry no text; old v1 events still read (issue 13 item 5)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from services.privacy.adapters.copy_keys import key_slot, plaintext_copies
from services.privacy.bootstrap import Privacy
from services.privacy.domain.copies import AnonymizedCopy, copy_digest
from services.privacy.domain.errors import InvalidRequestError, NotFoundError
from services.privacy.entrypoints.consumer import consume
from services.privacy.service_layer.messages import (
    CorrectCopy,
    ListCopies,
    RotateCopyKey,
    RunSweep,
    WithdrawCopy,
)
from shared.database import create_engine
from shared.envelope import Envelope
from shared.settings import CaselogSettings
from tests.unit.privacy.conftest import Clock, RecordingBus, received, started

SWEEP = RunSweep(actor="officer")


def texts(copy: AnonymizedCopy) -> list[str]:
    """The copy's free text, each long enough to be found only where the copy went."""
    found = [copy.subject, copy.body, *copy.closure_notes, *(c.body for c in copy.contacts)]
    return [text for text in found if text and len(text) >= 12]


def stored_bytes(directory: Path) -> bytes:
    """Every byte of every SQLite file of the test (privacy's store and the key store)."""
    return b"".join(path.read_bytes() for path in sorted(directory.glob("*.sqlite3*")))


async def anonymized(privacy: Privacy, clock: Clock) -> AnonymizedCopy:
    await received(privacy)
    clock.advance(days=365 * 5 + 2)
    await privacy.handle(SWEEP)
    [copy] = await privacy.handle(ListCopies(None, 10))
    return copy


async def test_the_copy_is_in_no_published_event_and_no_stored_byte_yet_still_served(
    privacy: Privacy, clock: Clock, bus: RecordingBus, tmp_path: Path
) -> None:
    copy = await anonymized(privacy, clock)

    assert len(texts(copy)) >= 3
    published = b"".join(message.value for message in bus.published)
    assert [t for t in texts(copy) if t.encode() in published] == []
    on_disk = stored_bytes(tmp_path)
    assert [t for t in texts(copy) if t.encode() in on_disk] == []
    [event] = bus.envelopes("case.anonymized")
    assert (event.schema_version, event.payload["copy_sha256"]) == (2, copy_digest(copy))
    assert await privacy.handle(ListCopies(None, 10)) == [copy]


async def test_a_correction_replaces_the_copy_and_destroys_the_old_versions_key(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    copy = await anonymized(privacy, clock)
    fixed = copy.model_copy(update={"body": "[customer]です。ケトルの底から水が漏れます。"})

    await privacy.handle(CorrectCopy(copy.copy_id, fixed, "読み仮名が残っていた", "po-1"))

    assert await privacy.handle(ListCopies(None, 10)) == [fixed]
    keys = privacy.personal.keys
    assert await keys.tombstone(key_slot(copy.copy_id, 1)) is not None
    assert await keys.tombstone(key_slot(copy.copy_id, 2)) is None
    [event] = bus.envelopes("anonymized_copy.corrected")
    assert event.payload == {
        "copy_id": copy.copy_id,
        "version": 2,
        "copy_sha256": copy_digest(fixed),
        "replaced_sha256": copy_digest(copy),
        "reason": "読み仮名が残っていた",
        "corrected_by": "po-1",
        "corrected_at": clock.now.isoformat().replace("+00:00", "Z"),
    }


async def test_a_correction_that_still_holds_contact_details_is_refused(
    privacy: Privacy, clock: Clock
) -> None:
    copy = await anonymized(privacy, clock)
    careless = copy.model_copy(update={"body": "連絡先 taro@example.jp"})

    with pytest.raises(InvalidRequestError) as refused:
        await privacy.handle(CorrectCopy(copy.copy_id, careless, "fix", "po-1"))

    assert refused.value.field == "copy.body"
    assert await privacy.handle(ListCopies(None, 10)) == [copy]


async def test_a_withdrawn_copy_is_served_no_more_and_its_key_is_gone(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    copy = await anonymized(privacy, clock)

    await privacy.handle(WithdrawCopy(copy.copy_id, "本人からの申出", "po-1"))

    assert await privacy.handle(ListCopies(None, 10)) == []
    assert await privacy.personal.keys.tombstone(key_slot(copy.copy_id, 1)) is not None
    [event] = bus.envelopes("anonymized_copy.withdrawn")
    assert event.payload["withdrawn_sha256"] == copy_digest(copy)
    with pytest.raises(NotFoundError):
        await privacy.handle(WithdrawCopy(copy.copy_id, "again", "po-1"))


async def test_a_version_1_event_read_back_keeps_its_copy_sealed(
    privacy: Privacy, tmp_path: Path
) -> None:
    copy = AnonymizedCopy(
        copy_id="copy-legacy-1", anonymized_month="2031-12", body="古い版の匿名化コピーの本文です"
    )
    moment = datetime(2031, 12, 1, tzinfo=UTC)
    legacy = Envelope(
        type="case.anonymized",
        schema_version=1,
        case_id="case-legacy-1",
        occurred_at=moment,
        producer="privacy",
        correlation_id="sweep-old",
        payload={
            "run_id": "sweep-old",
            "anonymized_copy": copy.model_dump(mode="json"),
            "key_id": None,
            "closed_at": "2026-11-05T08:00:00Z",
            "closure_reason": "satisfied",
            "rule": "P5Y",
            "retention_ends_at": "2031-11-05T08:00:00Z",
            "anonymized_at": "2031-12-01T00:00:00Z",
        },
    )

    await consume(privacy, privacy.topics.privacy, legacy)

    assert await privacy.handle(ListCopies(None, 10)) == [copy]
    case = await privacy.store.case("case-legacy-1")
    assert case is not None
    assert case.disposition.value == "anonymized"
    assert "古い版の匿名化コピー".encode() not in stored_bytes(tmp_path)


async def test_plaintext_copies_of_an_older_store_are_sealed_at_start_and_their_table_dropped(
    settings: CaselogSettings, bus: RecordingBus, clock: Clock
) -> None:
    copy = AnonymizedCopy(
        copy_id="copy-old-1", anonymized_month="2031-12", body="旧形式の平文コピー"
    )
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(plaintext_copies.create)
        await connection.execute(
            plaintext_copies.insert().values(
                copy_id=copy.copy_id,
                case_id="case-old-1",
                closed_at=datetime(2026, 11, 5, tzinfo=UTC),
                closure_reason="satisfied",
                document=copy.model_dump_json(),
            )
        )
    await engine.dispose()

    async with started(settings, bus, clock) as service:
        served = await service.handle(ListCopies(None, 10))
        async with service.infrastructure.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())

    assert served == [copy]
    assert "privacy_copies" not in tables


async def test_rotating_a_copys_key_keeps_the_copy_and_destroys_the_old_key(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    copy = await anonymized(privacy, clock)

    await privacy.handle(RotateCopyKey(copy.copy_id, "po-1"))

    assert await privacy.handle(ListCopies(None, 10)) == [copy]
    keys = privacy.personal.keys
    assert await keys.tombstone(key_slot(copy.copy_id, 1)) is not None
    assert await keys.tombstone(key_slot(copy.copy_id, 2)) is None
    [event] = bus.envelopes("anonymized_copy.corrected")
    assert event.payload["copy_sha256"] == event.payload["replaced_sha256"] == copy_digest(copy)
