"""Policy decides a batch in one go (issue 20): the same outputs and states as deciding its events
one at a time, on real SQLite stores and the codec intake encrypts with; redeliveries inside and
across batches re-send the stored bytes; the database work does not grow with the batch; and on
the in-memory bus, a batch that loses a race is decided again one event at a time."""

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.policy.adapters.tables import processed_events, subject_states
from services.policy.bootstrap import PolicyService, bootstrap
from services.policy.entrypoints import consumers
from services.policy.service_layer.handlers import HANDLERS
from services.policy.service_layer.messages import ForgetErasedCases
from shared.bus.envelopes import envelope_message
from shared.bus.memory import MemoryBus
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.topics import load_topic_specs
from shared.database import create_engine
from shared.envelope import Envelope
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings, load_settings
from tests.unit.policy.conftest import REPO_ROOT
from tests.unit.policy.intake_envelopes import THREAT, closure, consultation, contact, fact_check
from tests.unit.policy.intake_envelopes import sealed as sealed_with
from tests.unit.policy.test_fact_checks import damage_claim

TOPICS_FILE = REPO_ROOT / "deploy" / "kafka" / "topics.toml"
INTAKE = "caselog.intake"
DECISIONS = "caselog.policy"
# Forgotten on both services before the story is decided: subj-3 as a whole; of subj-4, case-7
# only (case-6 is held), so its events advance on one state, some keeping it and some not.
ERASURES = (
    ForgetErasedCases(("subj-3",), ("case-5",), complete=True),
    ForgetErasedCases(("subj-4",), ("case-7",), complete=False),
)


def settings_of(tmp_path: Path, name: str) -> CaselogSettings:
    """A policy service on a decision store of its own; one key store for all (intake's)."""
    return load_settings(
        service_name="policy",
        bus="embedded",
        embedded_bus_path=tmp_path / f"{name}-bus.sqlite3",
        database_url=f"sqlite+aiosqlite:///{tmp_path / name}.sqlite3",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}",
        topics_file=TOPICS_FILE,
    )


@contextlib.asynccontextmanager
async def running(service: PolicyService) -> AsyncIterator[PolicyService]:
    async with service.running():
        yield service
    await service.infrastructure.engine.dispose()


@pytest.fixture
async def twins(tmp_path: Path) -> AsyncIterator[tuple[PolicyService, PolicyService]]:
    """Two policy services on fresh stores: one to decide in batches, one to decide one by one."""
    async with (
        running(bootstrap(settings_of(tmp_path, "batched"))) as batched,
        running(bootstrap(settings_of(tmp_path, "one-by-one"))) as one_by_one,
    ):
        yield batched, one_by_one


def consumed(envelope: Envelope, offset: int = 0) -> ConsumedMessage:
    message = envelope_message(INTAKE, envelope)
    return ConsumedMessage(INTAKE, 0, offset, message.key, message.value)


async def decided(service: PolicyService, *envelopes: Envelope) -> list[OutgoingMessage]:
    """The decision consumer's outputs for `envelopes` as one polled batch."""
    messages = [consumed(e, offset) for offset, e in enumerate(envelopes)]
    return await consumers.decide(messages, service.deps)


async def one_by_one(
    service: PolicyService, envelopes: Sequence[Envelope]
) -> list[OutgoingMessage]:
    outputs = []
    for envelope in envelopes:
        outputs.extend(await decided(service, envelope))
    return outputs


async def story(service: PolicyService) -> list[Envelope]:
    """Every kind of event policy reads, several subjects interleaved, one subject's events
    depending on each other (a repeat after a final answer, a fact check re-deciding the
    consultation decided earlier in the same batch, a second case continuing the matter), a
    case without a subject, a type policy ignores, and the events of erased cases."""
    codec = service.personal.codec

    async def sealed(model: Any, case_id: str, subject_id: str | None) -> Envelope:
        return await sealed_with(codec, model, case_id=case_id, subject_id=subject_id)

    ignored = (await sealed(consultation(), "case-1", "subj-1")).model_copy(
        update={"type": "recording.attached", "payload": {}}
    )
    answer = contact("最終回答です", "2026-11-02T13:00:00+09:00", kind="agent_response")
    checked = fact_check("2026-11-03T11:00:00+09:00", defect_confirmed=True, loss_confirmed=True)
    return [
        await sealed(damage_claim(), "case-1", "subj-1"),
        await sealed(consultation(THREAT), "case-3", "subj-2"),
        await sealed(contact("まだですか", "2026-11-02T12:00:00+09:00"), "case-1", "subj-1"),
        ignored,
        await sealed(answer.model_copy(update={"final_answer": True}), "case-1", "subj-1"),
        await sealed(contact("納得できない", "2026-11-03T10:00:00+09:00"), "case-1", "subj-1"),
        await sealed(checked, "case-1", "subj-1"),
        await sealed(consultation(received_at="2026-11-04T10:00:00+09:00"), "case-2", "subj-1"),
        await sealed(consultation(), "case-4", None),
        await sealed(consultation(THREAT), "case-5", "subj-3"),
        await sealed(contact(THREAT, "2026-11-02T12:00:00+09:00"), "case-5", "subj-3"),
        await sealed(consultation(), "case-6", "subj-4"),
        await sealed(consultation(THREAT), "case-7", "subj-4"),
        await sealed(contact(THREAT, "2026-11-02T12:00:00+09:00"), "case-6", "subj-4"),
        await sealed(closure("satisfied", "2026-11-05T10:00:00+09:00"), "case-1", "subj-1"),
        await sealed(contact(THREAT, "2026-11-05T11:00:00+09:00"), "case-3", "subj-2"),
    ]


def causes(outputs: Sequence[OutgoingMessage], among: Sequence[Envelope]) -> list[Envelope]:
    by_id = {str(e.event_id): e for e in among}
    return [by_id[json.loads(output.value)["causation_id"]] for output in outputs]


def sent(bus: MemoryBus) -> list[OutgoingMessage]:
    """The decisions the consumer committed, as it returned them."""
    found = bus.broker.published(DECISIONS)
    return [OutgoingMessage(m.topic, m.value, m.key, m.headers) for m in found]


def in_any_order(outputs: Sequence[OutgoingMessage]) -> list[str]:
    """The bus polls the subjects' partitions in its own order; each subject's stays."""
    return sorted(map(repr, comparable(outputs)))


def comparable(outputs: Sequence[OutgoingMessage]) -> list[tuple[Any, ...]]:
    """Each output but for what a new message gets afresh: its own id and times."""
    found = []
    for output in outputs:
        document = json.loads(output.value)
        for made_afresh in ("event_id", "occurred_at", "recorded_at"):
            document.pop(made_afresh)
        found.append((output.topic, output.key, output.headers, document))
    return found


async def states(service: PolicyService) -> dict[str, Any]:
    """Every stored state, as JSON, by subject key (their versions count writes: left out)."""
    query = select(subject_states.c.subject_key, subject_states.c.state)
    async with service.infrastructure.engine.connect() as connection:
        rows = await connection.execute(query)
        return {row.subject_key: json.loads(row.state) for row in rows}


async def versions(service: PolicyService) -> dict[str, int]:
    query = select(subject_states.c.subject_key, subject_states.c.version)
    async with service.infrastructure.engine.connect() as connection:
        return {row.subject_key: row.version for row in await connection.execute(query)}


async def processed_ids(service: PolicyService) -> set[str]:
    async with service.infrastructure.engine.connect() as connection:
        return set((await connection.execute(select(processed_events.c.event_id))).scalars())


async def erase(*services: PolicyService) -> None:
    for service in services:
        for erasure in ERASURES:
            await HANDLERS.handle(erasure, service.deps)


async def test_a_batch_gives_the_outputs_and_states_of_its_events_decided_one_by_one(
    twins: tuple[PolicyService, PolicyService],
) -> None:
    batched, single = twins
    await erase(batched, single)
    events = await story(batched)

    in_batch = await decided(batched, *events)
    alone = await one_by_one(single, events)

    assert comparable(in_batch) == comparable(alone)
    answered, ignored = events[4], events[3]  # an agent's answer is not decided
    assert causes(in_batch, events) == [e for e in events if e not in (answered, ignored)]
    assert await states(batched) == await states(single)
    assert set(await states(batched)) == {"subj-1", "subj-2", "subj-4", "case:case-4"}
    assert await processed_ids(batched) == await processed_ids(single)
    # One write per state for the batch, against one per event.
    assert await versions(batched) == dict.fromkeys(await versions(batched), 1)
    assert (await versions(single))["subj-1"] == 7


async def test_a_fact_check_re_decides_the_consultation_decided_earlier_in_its_batch(
    twins: tuple[PolicyService, PolicyService],
) -> None:
    batched, _ = twins
    events = await story(batched)
    claim, checked = events[0], events[6]

    first, after = await decided(batched, claim, checked)

    assert "liability_review" not in json.loads(first.value)["payload"]["actions"]
    assert "liability_review" in json.loads(after.value)["payload"]["actions"]


async def test_a_redelivered_batch_re_sends_the_stored_bytes_and_changes_no_state(
    twins: tuple[PolicyService, PolicyService],
) -> None:
    batched, _ = twins
    events = await story(batched)
    first = await decided(batched, *events)
    before = (await states(batched), await versions(batched))

    again = await decided(batched, *events)

    assert again == first, "byte for byte"
    assert (await states(batched), await versions(batched)) == before


async def test_an_event_twice_in_a_batch_is_decided_once_and_answered_each_time(
    twins: tuple[PolicyService, PolicyService],
) -> None:
    batched, single = twins
    claim, threat, follow_up, *_ = await story(batched)

    outputs = await decided(batched, claim, threat, claim, follow_up, threat)

    one, two, again, _, twice = outputs
    assert (again, twice) == (one, two), "the same bytes, the same event id"
    assert comparable(outputs) == comparable(
        await one_by_one(single, [claim, threat, claim, follow_up, threat])
    )
    assert await states(batched) == await states(single)


async def test_events_decided_in_an_earlier_batch_are_re_sent_in_a_later_one(
    twins: tuple[PolicyService, PolicyService],
) -> None:
    batched, single = twins
    events = await story(batched)
    earlier = await decided(batched, *events[:3])

    later = await decided(batched, *events[1:6])

    assert later[:2] == earlier[1:], "the stored bytes of the two decided before"
    assert comparable([*earlier, *later[2:]]) == comparable(await one_by_one(single, events[:6]))
    assert await states(batched) == await states(single)


async def test_two_events_of_one_subject_in_a_batch_advance_one_after_the_other(
    twins: tuple[PolicyService, PolicyService],
) -> None:
    batched, single = twins
    codec = batched.personal.codec
    first = await sealed_with(codec, consultation(THREAT), case_id="case-1", subject_id="subj-1")
    second = await sealed_with(codec, consultation(THREAT), case_id="case-2", subject_id="subj-1")

    outputs = await decided(batched, first, second)

    assert comparable(outputs) == comparable(await one_by_one(single, [first, second]))
    stored = (await states(batched))["subj-1"]
    assert set(stored["cases"]) == {"case-1", "case-2"}
    assert len(stored["conduct"]) == 2, "the second threat was decided knowing the first"


class StatementCount:
    """Counts the SQL statements an engine runs (every round trip to the database)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        self._engine = engine.sync_engine

    def _counted(self, *_: Any) -> None:
        self.count += 1

    @contextlib.contextmanager
    def counting(self) -> Iterator["StatementCount"]:
        self.count = 0
        event.listen(self._engine, "before_cursor_execute", self._counted)
        try:
            yield self
        finally:
            event.remove(self._engine, "before_cursor_execute", self._counted)


async def test_the_database_work_of_a_batch_does_not_grow_with_its_size(
    twins: tuple[PolicyService, PolicyService],
) -> None:
    small, large = twins
    counts = []
    for service, subjects in ((small, 2), (large, 40)):
        codec = service.personal.codec
        envelopes = [
            await sealed_with(codec, consultation(), case_id=f"case-{n}", subject_id=f"subj-{n}")
            for n in range(subjects)
        ]
        # Each subject's state exists, so the batch both creates and replaces states.
        await decided(service, *envelopes[: subjects // 2])
        for n in range(subjects):
            envelopes.append(
                await sealed_with(
                    codec, consultation(), case_id=f"case-{n}-2", subject_id=f"subj-{n}"
                )
            )
        with StatementCount(service.infrastructure.engine).counting() as statements:
            outputs = await decided(service, *envelopes)
        assert len(outputs) == len(envelopes)
        counts.append(statements.count)

    # Reading: records, states, erasure markers; writing: markers again, records, the new
    # states, the replaced ones.
    assert counts == [7, 7]


# On the in-memory bus, through the decision consumer `bootstrap` wires.


@dataclasses.dataclass
class Racing:
    """The intake reader, with another instance deciding `rival` (one of the batch's subjects)
    while the batch's content is being read: after its states were read, before they are
    written. Once only: the retries read the state the rival left."""

    service: PolicyService
    rival: Envelope
    raced: int = 0

    async def read(self, envelope: Envelope) -> Any:
        if not self.raced:
            self.raced += 1
            assert await decided(self.service, self.rival)
        return await self.service.deps.reader.read(envelope)

    async def consultation(self, case_id: str, sealed: Any) -> Any:
        return await self.service.deps.reader.consultation(case_id, sealed)


async def on_memory_bus(tmp_path: Path) -> tuple[PolicyService, MemoryBus]:
    settings = settings_of(tmp_path, "on-the-bus")
    bus = MemoryBus()
    await bus.start()
    await bus.ensure_topics(load_topic_specs(TOPICS_FILE))
    infrastructure = Infrastructure(settings, bus, create_engine(settings))
    return bootstrap(settings, infrastructure=infrastructure), bus


async def consumed_until(bus: MemoryBus, service: PolicyService, outputs: int) -> None:
    """Runs the decision consumer until `outputs` decisions are committed, then stops it."""
    consumer = service.decision_consumer()
    appended = asyncio.Event()
    bus.broker.watch(appended)
    running = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(30):
            while len(bus.broker.published(DECISIONS)) < outputs:
                await appended.wait()
                appended.clear()
    finally:
        bus.broker.forget(appended)
        consumer.request_stop()
        await running


async def test_a_batch_that_loses_a_race_is_decided_one_by_one_and_ends_in_the_same_state(
    tmp_path: Path, twins: tuple[PolicyService, PolicyService], log_output: Any
) -> None:
    _, single = twins
    service, bus = await on_memory_bus(tmp_path)
    async with running(service):
        events = await story(service)
        # A case of subj-1 before the story's: the story's case-1 continues its matter.
        earlier = consultation(received_at="2026-11-01T09:00:00+09:00")
        rival = await sealed_with(
            service.personal.codec, earlier, case_id="case-9", subject_id="subj-1"
        )
        racing = Racing(service, rival)
        raced = dataclasses.replace(service, deps=dataclasses.replace(service.deps, reader=racing))
        await bus.publish_many([envelope_message(INTAKE, e) for e in events])
        [rivals, *expected] = await one_by_one(single, [rival, *events])

        await consumed_until(bus, raced, len(expected))  # the rival's decision went elsewhere

        assert racing.raced == 1
        assert "batch failed; handling its messages one by one" in log_output.getvalue()
        assert causes([rivals], [rival]) == [rival]
        assert in_any_order(sent(bus)) == in_any_order(expected)
        assert await states(service) == await states(single)
        assert bus.broker.published(f"{INTAKE}.dlq") == []
    await bus.close()


async def test_the_decision_consumer_decides_a_polled_batch_in_one_engine_call(
    tmp_path: Path, twins: tuple[PolicyService, PolicyService], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, single = twins
    service, bus = await on_memory_bus(tmp_path)
    async with running(service):
        events = await story(service)
        turns: list[int] = []
        real_run = service.deps.decision_thread.run

        async def counted_run(function: Any, *args: Any) -> Any:
            turns.append(len(args[0]))
            return await real_run(function, *args)

        monkeypatch.setattr(service.deps.decision_thread, "run", counted_run)
        await bus.publish_many([envelope_message(INTAKE, e) for e in events])
        expected = await one_by_one(single, events)

        await consumed_until(bus, service, len(expected))

        assert in_any_order(sent(bus)) == in_any_order(expected)
        assert turns == [len(events) - 1], "one engine call for the batch, but the ignored type"
        assert await states(service) == await states(single)
    await bus.close()
