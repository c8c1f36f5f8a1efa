"""The sweep through privacy's bootstrap: nothing before retention ends, a dry run that looks
ahead, then anonymization (copy published, key destroyed) and recordings expired."""

from datetime import UTC, datetime

from services.privacy.bootstrap import Privacy
from services.privacy.domain.copies import copy_digest
from services.privacy.entrypoints.consumer import consume
from services.privacy.service_layer.messages import ListCopies, RunSweep
from shared.crypto.grants import reader_for
from shared.envelope import Envelope
from tests.integration.personal_forms import leaks
from tests.unit.privacy.conftest import Clock, RecordingBus, received
from tests.unit.privacy.samples import NAME_PARTS, PERSONAL, consultation

SWEEP = RunSweep(actor="officer")


async def test_nothing_is_due_before_retention_ends(privacy: Privacy, clock: Clock) -> None:
    await received(privacy)
    clock.advance(days=300)

    report = await privacy.handle(SWEEP)

    assert (report.due, report.held, report.done) == ([], [], [])


async def test_a_recording_expires_after_a_year_and_the_case_record_stays(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    case = await received(privacy)
    clock.advance(days=365)  # within a day of the end: due, not yet overdue

    report = await privacy.handle(SWEEP)

    assert [(i.kind.value, i.overdue) for i in report.done] == [("call_recording", False)]
    stored = await privacy.store.case(case.case_id)
    assert stored is not None
    assert stored.recording_expired_at is not None
    assert stored.disposition.value == "kept"
    assert not stored.shredded
    [swept] = bus.envelopes("retention.swept")
    assert swept.payload["done"] == [  # the phone system deletes the audio on this
        {"kind": "call_recording", "case_id": case.case_id, "copy_id": None, "hold_ids": []}
    ]
    assert (await privacy.handle(SWEEP)).due == []


async def test_a_dry_run_reports_what_will_be_due_and_changes_nothing(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    case = await received(privacy)
    later = clock.now.replace(year=2032)

    report = await privacy.handle(RunSweep(actor="officer", dry_run=True, as_of=later))

    assert [(i.kind.value, i.case_id, i.rule) for i in report.due] == [
        ("case_record", case.case_id, "P5Y"),
        ("call_recording", case.case_id, "P1Y"),
    ]
    assert [i.kind.value for i in report.overdue] == ["case_record", "call_recording"]
    assert report.done == []
    assert bus.published == []
    assert len(await privacy.store.case_envelopes(case.case_id)) == 4


async def test_a_case_past_retention_is_anonymized_and_its_key_destroyed(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    case = await received(privacy)
    clock.advance(days=365 * 5 + 2)

    report = await privacy.handle(SWEEP)

    assert [(i.kind.value, i.case_id) for i in report.done] == [
        ("case_record", case.case_id),
        ("call_recording", case.case_id),
    ]
    [copy] = await privacy.handle(ListCopies(None, 10))
    document = copy.model_dump_json()
    assert leaks(document.encode(), PERSONAL) == []
    assert [part for part in NAME_PARTS if part.lower() in document.lower()] == []
    assert case.case_id not in document
    assert case.subject_id not in document
    assert copy.product is not None
    assert copy.product.price is not None
    assert (str(copy.product.price.amount), copy.product.purchase_month) == ("4980", "2026-11")
    assert (copy.received_month, copy.closed_month, copy.closure_reason) == (
        "2026-11",
        "2026-11",
        "satisfied",
    )
    assert copy.body is not None
    assert "2026年11月に購入" in copy.body
    assert "[customer]" in copy.body
    assert copy.contacts[0].body.count("[person]") == 1  # 担当の佐藤様
    original = case.envelopes[0]
    decrypted = await privacy.personal.codec.decrypt(
        original.payload,
        type(consultation()),
        case_id=case.case_id,
        event_id=original.event_id,
        reader=reader_for("privacy"),
    )
    assert decrypted["customer"]["name"] == "[erased]"
    assert (await privacy.personal.keys.tombstone(case.case_id)) is not None
    stored = await privacy.store.case(case.case_id)
    assert stored is not None
    assert stored.disposition.value == "anonymized"
    assert stored.recording_expired_at is not None
    assert await privacy.store.case_envelopes(case.case_id) == []
    [anonymized] = bus.envelopes("case.anonymized")
    assert (anonymized.case_id, anonymized.schema_version) == (case.case_id, 2)
    assert anonymized.payload["copy_id"] == copy.copy_id
    assert anonymized.payload["copy_sha256"] == copy_digest(copy)
    assert "anonymized_copy" not in anonymized.payload
    [swept] = bus.envelopes("retention.swept")
    assert len(swept.payload["done"]) == 2  # type: ignore[arg-type]


async def test_the_next_sweep_finds_nothing_and_redelivery_keeps_nothing(
    privacy: Privacy, clock: Clock
) -> None:
    case = await received(privacy)
    clock.advance(days=365 * 6)
    await privacy.handle(SWEEP)

    for envelope in case.envelopes:  # the bus delivers again after a restart
        await consume(privacy, privacy.topics.intake, envelope)
    again = await privacy.handle(SWEEP)

    assert (again.due, again.done) == ([], [])
    assert await privacy.store.case_envelopes(case.case_id) == []


async def test_an_open_case_never_expires(privacy: Privacy, clock: Clock) -> None:
    await received(privacy, closed_at=None)
    clock.advance(days=365 * 30)

    assert (await privacy.handle(SWEEP)).due == []


async def test_a_backdated_close_request_does_not_make_the_case_due_early(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    # Issue 14 finding 1: the client says it asked to close in 2000; intake recorded it today.
    case = await received(
        privacy, closed_at="2000-01-01T00:00:00+00:00", recorded_at="2026-11-05T17:00:00+09:00"
    )
    clock.advance(days=1)

    report = await privacy.handle(SWEEP)

    assert (report.due, report.done) == ([], [])
    stored = await privacy.store.case(case.case_id)
    assert stored is not None
    assert stored.closed_at == datetime(2026, 11, 5, 8, tzinfo=UTC)
    assert not stored.shredded
    assert bus.envelopes("case.anonymized") == []


async def test_retention_runs_from_the_decision_that_closed_the_case(
    privacy: Privacy, clock: Clock
) -> None:
    case = await received(privacy, recorded_at="2026-11-05T17:00:00+09:00")
    request = case.envelopes[-1]
    decided_at = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)
    accepted = Envelope(
        type="closure.decided",
        schema_version=1,
        case_id=case.case_id,
        subject_id=case.subject_id,
        occurred_at=datetime(2000, 1, 1, tzinfo=UTC),  # whatever the decision says it is about
        recorded_at=decided_at,
        producer="policy",
        causation_id=str(request.event_id),
        correlation_id="c-1",
        payload={"outcome": "accept", "reasons": [], "actions": [], "policy_version": "v1"},
    )
    await consume(privacy, privacy.topics.policy, accepted)

    stored = await privacy.store.case(case.case_id)
    assert stored is not None
    assert (stored.closed_at, stored.closure_reason) == (decided_at, "satisfied")
