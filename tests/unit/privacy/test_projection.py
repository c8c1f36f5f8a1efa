"""What privacy learns from intake and policy: closure (and a refused one), idempotency."""

from datetime import UTC, datetime

from services.privacy.bootstrap import Privacy
from services.privacy.entrypoints.consumer import consume
from shared.envelope import Envelope
from tests.unit.privacy.conftest import received
from tests.unit.privacy.samples import follow_ups, sealed


def closure_decided(cause: Envelope, outcome: str) -> Envelope:
    return Envelope(
        type="closure.decided",
        schema_version=1,
        case_id=cause.case_id,
        subject_id=cause.subject_id,
        occurred_at=datetime(2026, 11, 5, 9, tzinfo=UTC),
        producer="policy",
        causation_id=str(cause.event_id),
        correlation_id="c-1",
        payload={"outcome": outcome, "reasons": [], "actions": [], "policy_version": "v1"},
    )


async def test_a_close_request_closes_the_case_with_its_reason(privacy: Privacy) -> None:
    case = await received(privacy, reason="persuasion_difficult")

    stored = await privacy.store.case(case.case_id)

    assert stored is not None
    assert (stored.closed_at, stored.closure_reason, stored.has_recording) == (
        datetime(2026, 11, 5, 8, tzinfo=UTC),
        "persuasion_difficult",
        True,
    )
    assert stored.opened_at == datetime(2026, 11, 2, 1, 15, tzinfo=UTC)


async def test_a_refused_close_request_leaves_the_case_open_in_either_order(
    privacy: Privacy,
) -> None:
    before = await received(privacy)
    await consume(privacy, privacy.topics.policy, closure_decided(before.envelopes[-1], "refuse"))
    after = await received(privacy, closed_at=None)
    close = follow_ups("2026-11-05T17:00:00+09:00")[-1]
    request = await sealed(privacy.personal.codec, close, after.case_id, after.subject_id)
    refusal = closure_decided(request, "refuse")
    await consume(privacy, privacy.topics.policy, refusal)
    await consume(privacy, privacy.topics.intake, request)

    for case_id in (before.case_id, after.case_id):
        stored = await privacy.store.case(case_id)
        assert stored is not None
        assert stored.closed_at is None
    assert len(await privacy.store.case_envelopes(after.case_id)) == 3  # the request is kept


async def test_every_event_is_applied_once(privacy: Privacy) -> None:
    case = await received(privacy)
    for envelope in case.envelopes:
        await consume(privacy, privacy.topics.intake, envelope)

    assert len(await privacy.store.case_envelopes(case.case_id)) == len(case.envelopes)
