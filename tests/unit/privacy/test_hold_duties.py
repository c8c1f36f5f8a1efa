"""Separation of duties on holds (issue 14 finding 4) and their review dates (finding 21):
releasing needs legal, or a second person under the two-person rule; a release cools off
before erasure and the sweep may act; every hold has a review date from its matter's
limitation period and is listed once it is due."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.privacy.adapters.signing import verify_receipt
from services.privacy.bootstrap import Privacy
from services.privacy.domain.errors import ConflictError, ForbiddenError, InvalidRequestError
from services.privacy.domain.requests import Regime
from services.privacy.service_layer.messages import (
    EraseSubject,
    HoldsDueForReview,
    Identities,
    PlaceHold,
    ReleaseHold,
    RunSweep,
)
from shared.auth.roles import Role
from shared.settings import CaselogSettings
from tests.unit.privacy.conftest import Clock, RecordingBus, received, started
from tests.unit.privacy.samples import EMAIL

LEGAL = frozenset({Role.LEGAL})
OFFICER = frozenset({Role.PRIVACY_OFFICER})
ERASE = EraseSubject(Identities(email=EMAIL), Regime.GDPR, "officer-1")
SWEEP = RunSweep(actor="officer-1")


def hold_on(case_id: str, **facts: Any) -> PlaceHold:
    return PlaceHold(
        matter="令和8年(ワ)第77号", reason="損害賠償", actor="legal-1", case_id=case_id, **facts
    )


@pytest.fixture
async def two_person(
    settings: CaselogSettings, bus: RecordingBus, clock: Clock, tmp_path: Path
) -> AsyncIterator[Privacy]:
    rules = tmp_path / "privacy-rules.toml"
    rules.write_text('[holds]\nrelease = "two_person"\ncooling_off = "P3D"\n', encoding="utf-8")
    configured = settings.model_copy(update={"privacy_rules_file": rules})
    async with started(configured, bus, clock) as service:
        yield service


async def test_a_privacy_officer_alone_can_neither_release_a_hold_nor_erase_what_it_kept(
    privacy: Privacy, clock: Clock
) -> None:
    case = await received(privacy)
    [hold] = await privacy.handle(hold_on(case.case_id))

    with pytest.raises(ForbiddenError):
        await privacy.handle(ReleaseHold(hold.hold_id, "officer-1", roles=OFFICER))
    signed = await privacy.handle(ERASE)

    assert signed.receipt["status"] == "partial"
    assert await privacy.personal.keys.tombstone(case.case_id) is None
    still = await privacy.store.hold(hold.hold_id)
    assert still is not None
    assert still.active


async def test_an_erasure_right_after_a_release_waits_for_the_cooling_off_and_says_until_when(
    privacy: Privacy, clock: Clock
) -> None:
    case = await received(privacy)
    [hold] = await privacy.handle(hold_on(case.case_id))
    clock.advance(days=365 * 6)
    released = await privacy.handle(ReleaseHold(hold.hold_id, "legal-1", roles=LEGAL))
    until = datetime(2032, 11, 11, tzinfo=UTC)  # released 2032-11-04, plus 7 days

    waiting = await privacy.handle(ERASE)
    swept = await privacy.handle(SWEEP)

    assert released.released_at == clock.now
    [held] = waiting.receipt["held_cases"]
    assert held["holds"] == [
        {
            "hold_id": hold.hold_id,
            "scope": "case",
            "matter": hold.matter,
            "cooling_off_until": until.isoformat().replace("+00:00", "Z"),
        }
    ]
    assert waiting.receipt["status"] == "partial"
    verified = verify_receipt(waiting.model_dump_json()).receipt  # signed with the wait in it
    assert verified.held_cases[0].holds[0].cooling_off_until == until
    assert swept.done == []
    assert {h.cooling_off_until for item in swept.held for h in item.holds} == {until}
    assert await privacy.personal.keys.tombstone(case.case_id) is None

    clock.advance(days=7)
    erased = await privacy.handle(ERASE)

    assert erased.receipt["status"] == "fulfilled"
    assert erased.receipt["erased_case_ids"] == [case.case_id]


async def test_under_the_two_person_rule_a_second_person_confirms_the_release(
    two_person: Privacy, bus: RecordingBus
) -> None:
    case = await received(two_person)
    [hold] = await two_person.handle(hold_on(case.case_id))

    asked = await two_person.handle(ReleaseHold(hold.hold_id, "officer-1", roles=OFFICER))
    with pytest.raises(ConflictError):
        await two_person.handle(ReleaseHold(hold.hold_id, "officer-1", roles=OFFICER))
    kept = await two_person.handle(ERASE)
    confirmed = await two_person.handle(ReleaseHold(hold.hold_id, "officer-2", roles=OFFICER))

    assert (asked.active, asked.release_requested_by) == (True, "officer-1")
    assert kept.receipt["status"] == "partial"
    assert (confirmed.active, confirmed.released_by) == (False, "officer-2")
    [requested] = bus.envelopes("hold.release_requested")
    assert requested.payload["requested_by"] == "officer-1"
    [done] = bus.envelopes("hold.released")
    assert (done.payload["released_by"], done.payload["release_requested_by"]) == (
        "officer-2",
        "officer-1",
    )
    stored = await two_person.store.hold(hold.hold_id)
    assert stored is not None
    assert (stored.active, stored.release_requested_by) == (False, "officer-1")


async def test_every_hold_gets_a_review_date_from_its_limitation_period_and_is_listed_when_due(
    privacy: Privacy, clock: Clock
) -> None:
    case = await received(privacy)
    knew = datetime(2026, 10, 1, tzinfo=UTC)
    [liability] = await privacy.handle(
        hold_on(case.case_id, matter_type="product_liability", known_at=knew)
    )
    [contract] = await privacy.handle(hold_on(case.case_id))

    assert liability.review_at == datetime(2029, 10, 1, tzinfo=UTC)  # 3 years from knowledge
    assert contract.matter_type == "contract"
    assert contract.review_at == datetime(2031, 11, 6, tzinfo=UTC)  # 5 years from placing
    assert await privacy.handle(HoldsDueForReview()) == []

    clock.now = datetime(2029, 10, 2, tzinfo=UTC)
    report = await privacy.handle(SWEEP)

    assert [h.hold_id for h in await privacy.handle(HoldsDueForReview())] == [liability.hold_id]
    assert [h.hold_id for h in report.holds_due_for_review] == [liability.hold_id]
    still = await privacy.store.hold(liability.hold_id)
    assert still is not None
    assert still.active  # listed for review, never lapsed


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"matter_type": "divorce"}, "matter_type"),
        ({"known_at": datetime(9999, 12, 31, tzinfo=UTC)}, "known_at"),
        ({"act_at": datetime(2030, 1, 1, tzinfo=UTC)}, "act_at"),
        ({"known_at": datetime.fromisoformat("0001-01-01T00:00:00+14:00")}, "known_at"),
    ],
)
async def test_a_hold_with_an_unknown_matter_type_or_a_future_time_is_refused(
    privacy: Privacy, facts: dict[str, object], field: str
) -> None:
    case = await received(privacy)

    with pytest.raises(InvalidRequestError) as refused:
        await privacy.handle(hold_on(case.case_id, **facts))

    assert refused.value.field == field
