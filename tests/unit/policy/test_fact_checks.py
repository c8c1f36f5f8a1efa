"""A fact check re-decides its case (issue 16): through policy's bootstrap, on real SQLite stores
and the codec intake encrypts with, the consultation kept sealed in the state is opened again
and decided on the facts the agent established; replay gives the same bytes."""

import json
from typing import Any

from services.policy.bootstrap import PolicyService
from services.policy.service_layer import handlers
from services.policy.service_layer.messages import ReplayCase
from shared.envelope import Envelope, decode_envelope
from tests.unit.policy.intake_envelopes import consultation, fact_check, sealed
from tests.unit.policy.test_handlers import decided

DAMAGED = "ケトルが漏電して床が焦げました。修理代と床の張り替え代として5万円を請求します。"
IDS = {"case_id": "case-1", "subject_id": "subj-1"}


def damage_claim() -> Any:
    demand = {"type": "compensation", "amount": {"amount": "50000", "currency": "JPY"}}
    return consultation(DAMAGED, demand=demand)


async def payload(service: PolicyService, envelope: Envelope) -> dict[str, Any]:
    [output] = await decided(service, envelope)
    assert decode_envelope(output.value).causation_id == str(envelope.event_id)
    document: dict[str, Any] = json.loads(output.value)["payload"]
    return document


async def test_a_confirmed_defect_and_loss_send_a_damage_claim_to_liability_review(
    service: PolicyService,
) -> None:
    codec = service.personal.codec
    first = await payload(service, await sealed(codec, damage_claim(), **IDS))
    check = fact_check("2026-11-03T09:00:00+09:00", defect_confirmed=True, loss_confirmed=True)

    after = await payload(service, await sealed(codec, check, **IDS))

    assert "liability_review" not in first["actions"]
    assert after["outcome"] == "escalate"
    assert "liability_review" in after["actions"]
    [damages] = [r for r in after["reasons"] if r["rule"] == "damages"]
    assert damages["article"] == "art. 10"
    assert "漏電" not in json.dumps(after, ensure_ascii=False)


async def test_a_defect_ruled_out_refuses_the_demand_and_a_later_check_keeps_it_ruled_out(
    service: PolicyService,
) -> None:
    codec = service.personal.codec
    await payload(service, await sealed(codec, damage_claim(), **IDS))
    ruled_out = fact_check("2026-11-03T09:00:00+09:00", defect_confirmed=False)
    loss_only = fact_check("2026-11-04T09:00:00+09:00", loss_confirmed=True)

    refused = await payload(service, await sealed(codec, ruled_out, **IDS))
    still = await payload(service, await sealed(codec, loss_only, **IDS))

    assert refused["outcome"] == "refuse"
    assert still["outcome"] == "refuse"
    assert "liability_review" not in still["actions"]


async def test_a_fact_check_before_any_consultation_keeps_the_findings_and_decides_nothing(
    service: PolicyService,
) -> None:
    codec = service.personal.codec
    check = fact_check("2026-11-01T09:00:00+09:00", defect_confirmed=True, loss_confirmed=True)

    assert await decided(service, await sealed(codec, check, **IDS)) == []


async def test_replay_of_a_fact_checked_case_gives_the_bytes_the_consumer_published(
    service: PolicyService,
) -> None:
    codec = service.personal.codec
    events = [
        await sealed(codec, damage_claim(), **IDS),
        await sealed(
            codec,
            fact_check("2026-11-03T09:00:00+09:00", defect_confirmed=True, loss_confirmed=True),
            **IDS,
        ),
    ]
    sent = [await payload(service, event) for event in events]

    replayed = await handlers.replay(ReplayCase(events, service.loaded.version), service.deps)

    assert [r.decision.model_dump(mode="json") for r in replayed] == sent
