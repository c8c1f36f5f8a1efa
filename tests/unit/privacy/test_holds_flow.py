"""Legal holds: they block the sweep and erasure and are reported; released, the next sweep
anonymizes; policy's recommendations wait to be confirmed by a hold."""

from datetime import UTC, datetime

import pytest

from services.privacy.bootstrap import Privacy
from services.privacy.domain.errors import ConflictError, InvalidRequestError, NotFoundError
from services.privacy.domain.requests import Regime
from services.privacy.entrypoints.consumer import consume
from services.privacy.service_layer.messages import (
    EraseSubject,
    Identities,
    PlaceHold,
    ReleaseHold,
    RunSweep,
)
from shared.auth.roles import Role
from shared.envelope import Envelope
from tests.unit.privacy.conftest import Clock, RecordingBus, received
from tests.unit.privacy.samples import EMAIL

SWEEP = RunSweep(actor="officer")
LEGAL = frozenset({Role.LEGAL})


def hold_on(case_id: str | None = None, **target: object) -> PlaceHold:
    return PlaceHold(
        matter="令和8年(ワ)第1234号",
        reason="損害賠償請求訴訟",
        actor="legal-1",
        case_id=case_id,
        **target,  # type: ignore[arg-type]
    )


async def test_a_hold_blocks_the_sweep_and_an_erasure_and_both_report_it(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    case = await received(privacy)
    [hold] = await privacy.handle(hold_on(case.case_id))
    clock.advance(days=365 * 6)

    report = await privacy.handle(SWEEP)
    signed = await privacy.handle(EraseSubject(Identities(email=EMAIL), Regime.GDPR, "officer"))

    assert report.done == []
    assert report.due == []
    assert [(i.kind.value, [h.hold_id for h in i.holds]) for i in report.held] == [
        ("case_record", [hold.hold_id]),
        ("call_recording", [hold.hold_id]),
    ]
    receipt = signed.receipt
    assert receipt["status"] == "partial"
    assert receipt["erased_case_ids"] == []
    assert receipt["keys_destroyed"] == []
    assert receipt["held_cases"] == [
        {
            "case_id": case.case_id,
            "holds": [{"hold_id": hold.hold_id, "scope": "case", "matter": hold.matter}],
        }
    ]
    assert {p["place"]: p["status"] for p in receipt["places"]}["subject index"] == "kept"
    assert await privacy.personal.keys.tombstone(case.case_id) is None
    assert await privacy.deps.subjects.lookup(Identities(email=EMAIL)) == (case.subject_id,)
    [placed] = bus.envelopes("hold.placed")
    assert (placed.case_id, placed.payload["hold_id"]) == (case.case_id, hold.hold_id)
    [swept] = bus.envelopes("retention.swept")
    assert swept.payload["held"][0]["hold_ids"] == [hold.hold_id]  # type: ignore[index]

    await privacy.handle(ReleaseHold(hold.hold_id, "legal-1", "和解成立", LEGAL))
    clock.advance(days=8)  # past the cooling-off after a release
    after = await privacy.handle(SWEEP)

    assert [i.kind.value for i in after.done] == ["case_record", "call_recording"]
    assert after.held == []
    assert await privacy.personal.keys.tombstone(case.case_id) is not None
    assert [e.payload["hold_id"] for e in bus.envelopes("hold.released")] == [hold.hold_id]


async def test_a_subject_hold_covers_every_case_of_the_subject(
    privacy: Privacy, clock: Clock
) -> None:
    first, second = await received(privacy), await received(privacy)
    [hold] = await privacy.handle(hold_on(identities=Identities(email=EMAIL)))
    clock.advance(days=365 * 6)

    report = await privacy.handle(SWEEP)

    assert hold.scope.value == "subject"
    assert hold.subject_id == first.subject_id
    assert {i.case_id for i in report.held} == {first.case_id, second.case_id}
    assert report.done == []


async def test_holds_refuse_what_cannot_be_done(privacy: Privacy) -> None:
    case = await received(privacy)
    [hold] = await privacy.handle(hold_on(case.case_id))
    await privacy.handle(ReleaseHold(hold.hold_id, "legal-1", roles=LEGAL))

    with pytest.raises(ConflictError):
        await privacy.handle(ReleaseHold(hold.hold_id, "legal-1", roles=LEGAL))
    with pytest.raises(NotFoundError):
        await privacy.handle(hold_on("no-such-case"))
    with pytest.raises(InvalidRequestError) as named:
        await privacy.handle(hold_on(case.case_id, subject_id=case.subject_id))
    assert named.value.field == "case_id"
    details = PlaceHold(matter="訴訟", reason=f"{EMAIL} から", actor="x", case_id=case.case_id)
    with pytest.raises(InvalidRequestError) as contact:
        await privacy.handle(details)
    assert contact.value.field == "reason"


async def test_a_recommended_hold_waits_for_confirmation(privacy: Privacy) -> None:
    case = await received(privacy)
    decision = Envelope(
        type="policy.decided",
        schema_version=1,
        case_id=case.case_id,
        subject_id=case.subject_id,
        occurred_at=datetime(2026, 11, 2, 2, tzinfo=UTC),
        producer="policy",
        causation_id=str(case.envelopes[0].event_id),
        correlation_id="c-1",
        payload={
            "outcome": "escalate",
            "reasons": [{"rule": "conduct", "article": "4", "outcome": "escalate"}],
            "actions": ["notify_supervisor", "legal_hold_recommended"],
            "policy_version": "v1",
        },
    )
    await consume(privacy, privacy.topics.policy, decision)

    [pending] = await privacy.store.recommendations(pending_only=True)
    [hold] = await privacy.handle(hold_on(recommendation_id=pending.recommendation_id))

    assert (pending.case_id, pending.rules) == (case.case_id, ("conduct",))
    assert hold.case_id == case.case_id
    assert hold.recommendation_id == str(decision.event_id)
    assert await privacy.store.recommendations(pending_only=True) == []
    with pytest.raises(ConflictError):
        await privacy.handle(hold_on(recommendation_id=pending.recommendation_id))
