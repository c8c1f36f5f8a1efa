"""Records on real Kafka and PostgreSQL: every topic's events stored once whatever is
redelivered, poison dead-lettered, each case acknowledged, and the timeline served."""

import asyncio
from datetime import UTC, datetime, timedelta

from shared.auth.development import DevelopmentIssuer
from shared.auth.roles import Role
from shared.bus.messages import OutgoingMessage
from shared.envelope import Envelope, decode_envelope, utc_now
from shared.settings import CaselogSettings
from tests.integration.records.cases import consultation, contact, decision, new_case
from tests.integration.records.conftest import WAIT_S, RunningRecords, started
from tests.integration.topic_reader import read_topic

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


async def test_events_of_every_topic_are_stored_once_and_replayed(
    running: RunningRecords,
) -> None:
    case = new_case()
    codec = running.records.personal.codec
    opened = await consultation(codec, case, T0, T0)
    follow_up = await contact(
        codec, case, "まだ届きません", T0 + timedelta(hours=1), T0 + timedelta(hours=1)
    )
    minute = T0 + timedelta(minutes=1)
    decided = decision(case, "policy.decided", "accept", ["legitimate-complaint"], minute, minute)

    # Redelivery in every form: the same message twice, and again after others.
    await running.publish("caselog.intake", opened, opened, follow_up)
    await running.publish("caselog.policy", decided, decided)
    await running.publish("caselog.intake", follow_up)
    await running.wait_stored(opened, follow_up, decided)

    stored = await running.records.store.case_events(case[0])
    assert sorted(e.event_id for e in stored) == sorted(
        str(e.event_id) for e in (opened, follow_up, decided)
    )
    assert [e.case_position for e in stored] == [0, 1, 2]
    assert {e.origin.topic for e in stored if e.origin} == {"caselog.intake", "caselog.policy"}
    timeline = await running.get(f"/v1/cases/{case[0]}/timeline", Role.AGENT)
    assert timeline.status_code == 200, timeline.text
    body = timeline.json()
    assert [e["type"] for e in body["events"]] == [
        "consultation.received",
        "policy.decided",
        "contact.logged",
    ]
    assert body["events"][0]["payload"]["customer"]["name"]["enc"] == "v2"
    view = (await running.get(f"/v1/cases/{case[0]}", Role.SUPERVISOR)).json()
    assert (view["status"], view["contacts"], view["channel"]) == ("decided", 1, "phone")
    assert view["decisions"][0]["rules"] == ["legitimate-complaint"]


async def test_each_case_is_acknowledged_on_the_records_topic(
    running: RunningRecords, records_settings: CaselogSettings
) -> None:
    case = new_case()
    opened = await consultation(running.records.personal.codec, case, T0, T0)
    await running.publish("caselog.intake", opened)
    await running.wait_stored(opened)

    acks: list[Envelope] = []
    async with asyncio.timeout(WAIT_S):
        while not acks:  # published just after the append that made the event visible
            records = await read_topic(records_settings.kafka_bootstrap_servers, "caselog.records")
            acks = [decode_envelope(r.value) for r in records if r.key == case[0].encode()]

    assert acks[-1].type == "records.acknowledged"
    assert acks[-1].payload["event_id"] == str(opened.event_id)
    stored = await running.records.store.event(str(opened.event_id))
    assert acks[-1].payload["position"] == stored.position


async def test_poison_is_dead_lettered_and_the_consumer_goes_on(
    running: RunningRecords, records_settings: CaselogSettings
) -> None:
    case = new_case()
    poison = f"not an envelope {case[0]}".encode()
    await running.records.infrastructure.bus.publish(
        OutgoingMessage("caselog.intake", poison, key=case[1].encode())
    )
    after = await consultation(running.records.personal.codec, case, T0, T0)
    await running.publish("caselog.intake", after)

    await running.wait_stored(after)
    dead = await read_topic(records_settings.kafka_bootstrap_servers, "caselog.intake.dlq")
    mine = [r for r in dead if r.value == poison]
    assert mine
    group = records_settings.records_consumer_group.encode()
    assert dict(mine[-1].headers)["caselog.dlq.group"] == group


async def test_a_restarted_records_stores_redelivered_events_once(
    records_settings: CaselogSettings, token_issuer: DevelopmentIssuer, running: RunningRecords
) -> None:
    case = new_case()
    codec = running.records.personal.codec
    opened = await consultation(codec, case, T0, T0)
    await running.publish("caselog.intake", opened)
    await running.wait_stored(opened)
    size = await running.records.store.size()

    # A second process on the same log (as after a crash and restart) gets it again.
    async with started(records_settings, token_issuer) as again:
        later = await contact(codec, case, "もう一度", utc_now(), utc_now())
        await again.publish("caselog.intake", opened, later)
        await again.wait_stored(later)
        stored = await again.records.store.case_events(case[0])

    assert [e.event_id for e in stored] == [str(opened.event_id), str(later.event_id)]
    assert await running.records.store.size() >= size + 1
