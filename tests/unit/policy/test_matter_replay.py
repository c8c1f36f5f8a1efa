"""Per-subject history through the consumer and replay (issue 16): a subject's second ticket on
the same product is a repeat of the first, and the same events replayed under the version that
decided them give the bytes the consumer published, under an older version (before matters)
too — where every case was a matter of its own."""

import dataclasses
import json

from services.policy.bootstrap import PolicyService
from services.policy.domain import load_policy
from services.policy.entrypoints import consumers
from services.policy.service_layer import handlers
from services.policy.service_layer.handlers import PolicyDependencies
from services.policy.service_layer.messages import ReplayCase
from services.policy.service_layer.ports import LoadedPolicy
from shared.envelope import Envelope
from tests.unit.policy.intake_envelopes import consultation, contact, sealed
from tests.unit.policy.test_handlers import consumed

MATTER_TABLE = "[rules.repeat.matter]\nsame_product_within_days = 90\n"


async def two_tickets(service: PolicyService) -> list[Envelope]:
    """Case 1, its final answer, then the same person's new ticket on the same kettle and a
    quiet follow-up on it."""
    codec = service.personal.codec
    first = {"case_id": "case-1", "subject_id": "subj-1"}
    second = {"case_id": "case-2", "subject_id": "subj-1"}
    answer = contact(
        "最終回答です", "2026-11-03T10:00:00+09:00", kind="agent_response", final_answer=True
    )
    return [
        await sealed(codec, consultation(), **first),
        await sealed(codec, answer, **first),
        await sealed(codec, consultation(received_at="2026-11-04T10:00:00+09:00"), **second),
        await sealed(codec, contact("よろしく", "2026-11-04T11:00:00+09:00"), **second),
    ]


async def published(deps: PolicyDependencies, events: list[Envelope]) -> dict[str, object]:
    """The decision payloads the consumer publishes, by the event they decide."""
    sent = {}
    for event in events:
        for output in await consumers.decide([consumed(event)], deps):
            decision = json.loads(output.value)
            sent[decision["causation_id"]] = decision["payload"]
    return sent


async def replayed(
    service: PolicyService, events: list[Envelope], version: str
) -> dict[str, object]:
    found = await handlers.replay(ReplayCase(events, version), service.deps)
    return {r.event_id: r.decision.model_dump(mode="json") for r in found}


def repeat_in(decision: object) -> bool:
    assert isinstance(decision, dict)
    return any(reason["rule"] == "repeat" for reason in decision["reasons"])


async def test_the_second_ticket_is_a_repeat_and_replay_gives_the_same_bytes(
    service: PolicyService,
) -> None:
    events = await two_tickets(service)

    sent = await published(service.deps, events)

    second, follow_up = str(events[2].event_id), str(events[3].event_id)
    assert set(sent) == {str(events[0].event_id), second, follow_up}, "every contact decided"
    assert repeat_in(sent[second])
    assert repeat_in(sent[follow_up])
    assert await replayed(service, events, service.loaded.version) == sent


async def test_an_old_version_replays_to_its_recorded_decisions_without_matters(
    service: PolicyService,
) -> None:
    text = service.loaded.text
    assert MATTER_TABLE in text
    older_text = text.replace(MATTER_TABLE, "")
    older = LoadedPolicy(load_policy(older_text), older_text)
    await service.versions.remember(older)
    events = await two_tickets(service)

    recorded = await published(dataclasses.replace(service.deps, policy=older.policy), events)

    assert not repeat_in(recorded[str(events[2].event_id)]), "a case was its own matter then"
    assert await replayed(service, events, older.version) == recorded
    assert older.version != service.loaded.version
