"""A polled batch handled as one against the same events handled one by one, on two privacy
instances that share a key store, a signing key and a clock but not a database: the checks of
test_consumed_batches (SQLite) and tests/integration/privacy/test_consumed_batches_on_postgres.

The batch has what makes batching hard: several events of one case, policy's decisions before
and after the close requests they decide, a refused close, a recommended hold, records'
acknowledgements in any order (and an erasure's log position), an event read twice, privacy's
own event in the middle, and an event of a subject erased before it arrived."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from services.privacy.adapters.tables import metadata, seen_events
from services.privacy.bootstrap import Privacy
from services.privacy.entrypoints.consumer import consume, consume_all, privacy_handler
from services.privacy.service_layer import changes as c
from shared.bus.batches import handling_batches
from shared.bus.envelopes import envelope_message
from shared.bus.messages import ConsumedMessage
from shared.bus.policy import DeliveryPolicy, dlq_topic
from shared.envelope import Envelope
from tests.unit.privacy.samples import epoch_closed, random_person, sample_case

Read = list[tuple[str, Envelope]]
DECIDED_AT = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)


def decided(cause: Envelope, event_type: str, outcome: str, *actions: str) -> Envelope:
    """Policy's decision on `cause`."""
    return Envelope(
        type=event_type,
        schema_version=1,
        case_id=cause.case_id,
        subject_id=cause.subject_id,
        occurred_at=DECIDED_AT,
        recorded_at=DECIDED_AT,
        producer="policy",
        causation_id=str(cause.event_id),
        correlation_id=cause.correlation_id,
        payload={
            "outcome": outcome,
            "reasons": [{"rule": "R-1"}],
            "actions": list(actions),
            "policy_version": "v1",
        },
    )


def acknowledged(tree_size: int, signed: int, **erasure: Any) -> Envelope:
    return Envelope(
        type="records.acknowledged",
        schema_version=1,
        case_id="some-case",
        occurred_at=DECIDED_AT,
        producer="records",
        correlation_id="c-ack",
        payload={"tree_size": tree_size, "checkpoint_size": signed, **erasure},
    )


async def scenario(privacy: Privacy) -> tuple[Read, str]:
    """The batch (topic, envelope) in the order read, and the erased subject whose event in it
    arrives late (`prepare` erases it on each instance)."""
    topics, personal = privacy.topics, privacy.personal
    accepted, refused, open_case, late = [
        await sample_case(personal.codec, personal.subjects, person=random_person(), **options)
        for options in ({}, {"reason": "persuasion_difficult"}, {"closed_at": None}, {})
    ]
    accept = decided(accepted.envelopes[-1], "closure.decided", "accept")
    refuse = decided(refused.envelopes[-1], "closure.decided", "refuse")
    hold = decided(open_case.envelopes[0], "policy.decided", "escalate", "legal_hold_recommended")
    read: Read = [
        (topics.intake, accepted.envelopes[0]),
        (topics.policy, accept),  # decided before privacy reads the request
        (topics.intake, accepted.envelopes[0]),  # read twice: applied once
        *[(topics.intake, envelope) for envelope in accepted.envelopes[1:]],
        (topics.records, acknowledged(40, 32)),
        *[(topics.intake, envelope) for envelope in refused.envelopes],
        (topics.privacy, epoch_closed(1, "kek-1", DECIDED_AT)),
        (topics.policy, refuse),
        (topics.intake, open_case.envelopes[0]),
        (topics.policy, hold),
        (topics.intake, late.envelopes[0]),
        (topics.records, acknowledged(12, 12)),  # an older log: the larger one stays
        (
            topics.records,
            acknowledged(41, 41, position=40, event_id="e-erased", event_type="subject.erased"),
        ),
        (topics.policy, decided(open_case.envelopes[0], "policy.decided", "accept")),
    ]
    return read, late.subject_id


async def consultations(privacy: Privacy, count: int) -> Read:
    """What privacy reads of `count` consultations in a backlog: each received, decided, and
    both events acknowledged by records."""
    topics, personal = privacy.topics, privacy.personal
    read: Read = []
    for number in range(count):
        case = await sample_case(personal.codec, personal.subjects, closed_at=None)
        received = case.envelopes[0]
        read += [
            (topics.intake, received),
            (topics.policy, decided(received, "policy.decided", "accept")),
            (topics.records, acknowledged(2 * number + 1, 2 * number + 1)),
            (topics.records, acknowledged(2 * number + 2, 2 * number + 2)),
        ]
    return read


async def prepare(privacy: Privacy, erased_subject: str) -> None:
    """The subject erased before the batch is read (as privacy's own event left it)."""
    async with privacy.deps.unit_of_work() as unit:
        await unit.store.apply(None, [c.SubjectErased(erased_subject, "request-0", DECIDED_AT)])
        await unit.commit()


async def tables(privacy: Privacy) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every privacy table (the applied event ids without when they were seen)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with privacy.infrastructure.engine.connect() as connection:
        for table in metadata.sorted_tables:
            query = select(seen_events.c.event_id) if table is seen_events else select(table)
            rows = (await connection.execute(query)).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return found


async def one_by_one(privacy: Privacy, read: Read) -> None:
    for topic, envelope in read:
        await consume(privacy, topic, envelope)


def consumed(read: Read) -> list[ConsumedMessage]:
    """The batch as the bus hands it over (offsets in the order read)."""
    return [
        ConsumedMessage(topic, 0, offset, message.key, message.value, message.headers)
        for offset, (topic, envelope) in enumerate(read)
        for message in [envelope_message(topic, envelope)]
    ]


async def check_batch_applies_as_one_by_one(alone: Privacy, together: Privacy) -> None:
    read, erased = await scenario(alone)
    for privacy in (alone, together):
        await prepare(privacy, erased)

    await one_by_one(alone, read)
    await consume_all(together, read)

    expected = await tables(alone)
    assert await tables(together) == expected
    # The batch did what it says (so the equality above compares something).
    assert expected["privacy_records_checkpoint"][0][1] == 41
    assert len(expected["privacy_recommendations"]) == 1
    assert len(expected["privacy_completions"]) == 1
    assert len(expected["privacy_erasure_positions"]) == 1
    closed = {row[0]: row[3] for row in expected["privacy_cases"]}
    accepted_case = read[0][1].case_id
    assert _utc(closed[accepted_case]) == DECIDED_AT  # from the decision read before the request
    kept_cases = {row[1] for row in expected["privacy_kept_events"]}
    late_case = next(e.case_id for _, e in read if e.subject_id == erased)
    assert late_case not in kept_cases
    assert late_case not in closed
    assert await together.personal.keys.tombstone(late_case) is not None


async def check_redelivered_batch_changes_nothing(privacy: Privacy) -> None:
    read, erased = await scenario(privacy)
    await prepare(privacy, erased)
    await consume_all(privacy, read)
    before = await tables(privacy)

    await consume_all(privacy, read)

    assert await tables(privacy) == before


async def check_poison_event_is_dead_lettered_alone(alone: Privacy, together: Privacy) -> None:
    """Through the bus's own batch step: the batch fails, its messages are handled one by one,
    the poison one reaches the DLQ and every other is applied, as one by one."""
    read, erased = await scenario(alone)
    for privacy in (alone, together):
        await prepare(privacy, erased)
    messages = consumed(read)
    poison = ConsumedMessage(alone.topics.policy, 0, len(messages), b"k", b"not an envelope")
    batch = [*messages[:5], poison, *messages[5:]]
    step = handling_batches(
        privacy_handler(together), DeliveryPolicy(max_attempts=1), "privacy-batch-test"
    )

    handled = await step(batch, lambda: False)

    assert list(handled.messages) == batch
    assert [letter.topic for letter in handled.to_publish] == [dlq_topic(alone.topics.policy)]
    await one_by_one(alone, read)
    assert await tables(together) == await tables(alone)


def _utc(moment: Any) -> datetime:
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
