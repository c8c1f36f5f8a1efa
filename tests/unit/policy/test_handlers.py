"""Policy's handlers through its bootstrap, on real SQLite stores and the real codec: decisions
as envelopes, redelivery without double counting, dead letters for what cannot be decided,
erasures that forget, and the API's evaluate and replay."""

import dataclasses
import json
import threading
from typing import Any

import pytest
from sqlalchemy import select

from services.intake.domain.consultation import MAX_BODY_BYTES
from services.policy.adapters.read_models import IntakeEventReader
from services.policy.adapters.tables import subject_states
from services.policy.bootstrap import PolicyService
from services.policy.domain import Policy, SubjectHistory, advancing
from services.policy.domain.state import ConsultationSeen
from services.policy.entrypoints import consumers
from services.policy.service_layer import handlers
from services.policy.service_layer.errors import (
    StateConflictError,
    UnevaluableEventError,
    UnreadableErasureError,
)
from services.policy.service_layer.handlers import HANDLERS
from services.policy.service_layer.messages import (
    DecideIntakeEvents,
    EmptyKeyCache,
    EvaluateConsultation,
    ForgetErasedCases,
    ReplayCase,
)
from services.policy.service_layer.ports import Processed
from shared.bus.delivery import DLQ_HEADER_ERROR, attempt_transform
from shared.bus.envelopes import envelope_message
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy
from shared.crypto.codec import FieldCodec
from shared.envelope import Envelope, decode_envelope
from tests.unit.policy.intake_envelopes import THREAT, consultation, sealed
from tests.unit.policy.privacy_envelopes import subject_erased
from tests.unit.policy.sample_facts import consultation as facts_of
from tests.unit.shared.crypto.fake_keys import FakeKeys

TOPIC = "caselog.policy"


def consumed(envelope: Envelope, topic: str = "caselog.intake") -> ConsumedMessage:
    message = envelope_message(topic, envelope)
    return ConsumedMessage(topic, 0, 0, message.key, message.value)


async def seal(service: PolicyService, body: str = "", **ids: Any) -> Envelope:
    model = consultation(body) if body else consultation()
    ids = {"case_id": "case-1", "subject_id": "subj-1", **ids}
    return await sealed(service.personal.codec, model, **ids)


async def decided(service: PolicyService, envelope: Envelope) -> list[OutgoingMessage]:
    return await consumers.decide([consumed(envelope)], service.deps)


async def erase(service: PolicyService, envelope: Envelope) -> None:
    await consumers.act_on_privacy(consumed(envelope, "caselog.privacy"), service.deps)


async def processed(service: PolicyService, event: Envelope) -> Processed | None:
    async with service.deps.unit_of_work() as work:
        return await work.decisions.processed(str(event.event_id))


async def state_keys(service: PolicyService) -> set[str]:
    async with service.infrastructure.engine.connect() as connection:
        return set((await connection.execute(select(subject_states.c.subject_key))).scalars())


async def test_a_threat_is_decided_as_an_envelope_caused_by_the_consultation(
    service: PolicyService, policy: Policy
) -> None:
    event = await seal(service, THREAT)

    [output] = await decided(service, event)

    decision = decode_envelope(output.value)
    assert (output.topic, output.key) == (TOPIC, b"subj-1")
    assert (decision.type, decision.producer) == ("policy.decided", "policy")
    assert decision.causation_id == str(event.event_id)
    assert (decision.case_id, decision.subject_id) == ("case-1", "subj-1")
    payload = json.loads(output.value)["payload"]
    assert payload["outcome"] == "escalate"
    assert payload["policy_version"] == policy.version
    [threat] = [r for r in payload["reasons"] if r["category"] == "threat"]
    assert (threat["rule"], threat["article"]) == ("conduct", "art. 4")
    [evidence] = threat["evidence"]
    assert THREAT[evidence["start"] : evidence["end"]] == "殺すぞ"
    assert "hanako" not in output.value.decode()
    assert "山田" not in output.value.decode()


async def test_the_largest_body_of_one_repeated_term_gives_a_small_decision_event(
    service: PolicyService,
) -> None:
    # Issue 14, finding 5: this gave a 1.3 MB policy.decided event, kept forever in the log.
    body = "バカ" * (MAX_BODY_BYTES // len("バカ".encode()))

    [output] = await decided(service, await seal(service, body))

    assert len(output.value) <= 32 * 1024
    [insult] = [r for r in json.loads(output.value)["payload"]["reasons"] if r["category"]]
    assert len(insult["evidence"]) + insult["evidence_omitted"]["insult"] == body.count("バカ")


async def test_the_engine_runs_on_a_thread_of_its_own_not_the_event_loop(
    service: PolicyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = []

    def advance_in_turn(*args: Any) -> Any:
        threads.append(threading.current_thread())
        return real_advance_in_turn(*args)

    real_advance_in_turn = advancing.advance_in_turn  # what handlers calls by that name
    monkeypatch.setattr(handlers, "advance_in_turn", advance_in_turn)
    events = [await seal(service, THREAT), await seal(service, case_id="case-2")]

    outputs = await consumers.decide([consumed(event) for event in events], service.deps)

    assert [decode_envelope(o.value).causation_id for o in outputs] == [
        str(e.event_id) for e in events
    ]
    assert len(threads) == 1, "one engine call for the whole batch"
    [thread] = threads
    assert thread is not threading.current_thread()
    assert thread.name.startswith("policy-decisions")


async def test_a_redelivered_input_resends_the_same_bytes_and_counts_once(
    service: PolicyService,
) -> None:
    event = await seal(service)

    first = await decided(service, event)
    again = await HANDLERS.handle(DecideIntakeEvents([event]), service.deps)

    assert first == again
    async with service.deps.unit_of_work() as work:
        stored = await work.decisions.state("subj-1")
    assert stored.version == 1
    assert len(stored.state.case("case-1").contacts) == 1


async def test_events_policy_does_not_decide_pass_without_output(service: PolicyService) -> None:
    event = await seal(service)
    other = event.model_copy(update={"type": "recording.attached", "payload": {}})

    assert await decided(service, other) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"schema_version": 2}, "consultation.received v2 is not declared"),
        ({"payload": {"channel": "phone"}}, "received_at: Field required"),
    ],
)
async def test_an_event_that_cannot_be_evaluated_is_a_permanent_error(
    service: PolicyService, change: dict[str, object], reason: str
) -> None:
    event = await seal(service)

    with pytest.raises(UnevaluableEventError, match=reason):
        await decided(service, event.model_copy(update=change))
    assert await processed(service, event) is None, "nothing half-written"


async def test_plaintext_identity_is_refused_without_quoting_it(service: PolicyService) -> None:
    event = await seal(service)
    payload = json.loads(json.dumps(event.payload))
    payload["customer"]["email"] = "hanako.yamada@example.jp"

    with pytest.raises(UnevaluableEventError, match=r"customer\.email") as raised:
        await decided(service, event.model_copy(update={"payload": payload}))

    assert "hanako" not in str(raised.value)


async def test_content_moved_from_another_event_does_not_decrypt(service: PolicyService) -> None:
    one = await seal(service, THREAT)
    other = await seal(service)
    moved = other.model_copy(update={"payload": {**other.payload, "body": one.payload["body"]}})

    with pytest.raises(UnevaluableEventError, match="content does not decrypt"):
        await decided(service, moved)


async def test_the_bus_dead_letters_it_with_the_reason_in_a_header(
    service: PolicyService,
) -> None:
    event = await seal(service)
    bad = consumed(event.model_copy(update={"schema_version": 7}))

    async def transform(message: ConsumedMessage) -> list[OutgoingMessage]:
        return await consumers.decide([message], service.deps)

    [letter] = await attempt_transform(bad, transform, DeliveryPolicy(), "caselog-policy")

    assert letter.topic == "caselog.intake.dlq"
    reason = dict(letter.headers)[DLQ_HEADER_ERROR].decode()
    assert "consultation.received v7 is not declared" in reason


class SpyCodec(FieldCodec):
    """Remembers which field classes each decryption asked for."""

    def __init__(self) -> None:
        super().__init__(FakeKeys())
        self.asked: list[frozenset[str]] = []

    async def decrypt(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.asked.append(frozenset(kwargs["classes"]))
        return await super().decrypt(*args, **kwargs)


async def test_policy_asks_for_content_only_and_sees_identity_as_present() -> None:
    codec = SpyCodec()
    event = await sealed(codec, consultation(), case_id="case-1", subject_id="subj-1")

    seen = await IntakeEventReader(codec).read(event)

    assert codec.asked == [frozenset({"content"})]
    assert isinstance(seen, ConsultationSeen)
    assert seen.facts.has_name
    assert seen.facts.has_email_or_phone
    assert seen.facts.body.startswith("ケトルの底から")


# Erasures: `subject.erased` forgets, late events build no state, the key cache is emptied.


async def test_the_subjects_state_and_decisions_go_and_the_bookkeeping_stays(
    service: PolicyService,
) -> None:
    first = await seal(service, case_id="case-1", subject_id="subj-1")
    other = await seal(service, case_id="case-2", subject_id="subj-2")
    for event in (first, other, await seal(service, case_id="case-3", subject_id=None)):
        assert await decided(service, event)
    kept = await processed(service, other)

    await erase(service, subject_erased("subj-1", "case-1"))
    await erase(service, subject_erased("subj-1", "case-1"))  # redelivered: harmless

    assert await state_keys(service) == {"subj-2", "case:case-3"}
    # The erased case's input is still known as processed: not decided again, and its
    # decision (offsets into the erased text) is no longer kept to be re-sent.
    assert await processed(service, first) == Processed(None)
    assert await decided(service, first) == []
    assert kept is not None
    assert kept.output is not None
    assert await decided(service, other) == kept.outputs(), "a case not erased re-sends"


async def test_a_held_case_keeps_its_decision_and_the_erased_one_loses_it(
    service: PolicyService,
) -> None:
    erased = await seal(service, case_id="case-1")
    held = await seal(service, case_id="case-2")
    for event in (erased, held):
        assert await decided(service, event)
    kept = await processed(service, held)

    await erase(service, subject_erased("subj-1", "case-1", held=("case-2",)))

    assert await processed(service, erased) == Processed(None)
    assert await processed(service, held) == kept
    assert kept is not None
    assert kept.output is not None


async def test_a_late_event_is_decided_but_builds_no_state(service: PolicyService) -> None:
    assert await decided(service, await seal(service, case_id="case-1"))
    assert await decided(service, await seal(service, case_id="case-3", subject_id=None))
    await erase(service, subject_erased("subj-1", "case-1"))
    await erase(service, subject_erased("subj-9", "case-3"))

    assert await decided(service, await seal(service, case_id="case-1"))
    assert await decided(service, await seal(service, case_id="case-5"))  # a new case of subj-1
    assert await decided(service, await seal(service, case_id="case-3", subject_id=None))

    assert await state_keys(service) == set()


async def test_held_cases_stay_and_keep_building_state(service: PolicyService) -> None:
    for case_id in ("case-1", "case-2"):
        assert await decided(service, await seal(service, case_id=case_id))

    await erase(service, subject_erased("subj-1", "case-1", held=("case-2",)))
    for case_id in ("case-1", "case-2"):
        assert await decided(service, await seal(service, case_id=case_id))

    async with service.deps.unit_of_work() as work:
        stored = await work.decisions.state("subj-1")
    assert set(stored.state.cases) == {"case-2"}
    assert len(stored.state.case("case-2").contacts) == 2


async def test_erased_keys_leave_the_key_cache_and_an_epoch_close_empties_it(
    service: PolicyService,
) -> None:
    keys = FakeKeys()
    deps = dataclasses.replace(service.deps, cached_keys=keys)
    erased = subject_erased("subj-1", "case-1", erased=("case-1", "case-2"))

    await consumers.act_on_privacy(consumed(erased, "caselog.privacy"), deps)
    closed = erased.model_copy(update={"type": "keys.epoch_closed"})
    await consumers.act_on_privacy(consumed(closed, "caselog.privacy"), deps)

    assert (keys.evicted, keys.emptied) == (["case-1", "case-2"], 1)


async def test_other_privacy_events_pass(service: PolicyService) -> None:
    assert await decided(service, await seal(service))
    erased = subject_erased("subj-1", "case-1")

    await erase(service, erased.model_copy(update={"type": "hold.placed"}))

    assert await state_keys(service) == {"subj-1"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"schema_version": 2}, "subject.erased v2 is not declared"),
        ({"payload": {"subject_ids": ["subj-1"]}}, "erased_case_ids: Field required"),
    ],
)
async def test_an_unreadable_erasure_is_a_permanent_error(
    service: PolicyService, change: dict[str, object], reason: str
) -> None:
    erased = subject_erased("subj-1", "case-1").model_copy(update=change)

    with pytest.raises(UnreadableErasureError, match=reason):
        await erase(service, erased)


async def test_forgetting_an_erasure_twice_is_harmless(service: PolicyService) -> None:
    assert await decided(service, await seal(service))
    erasure = ForgetErasedCases(("subj-1",), ("case-1",), complete=True)

    for _ in range(2):
        assert await HANDLERS.handle(erasure, service.deps) == []

    assert await state_keys(service) == set()


async def test_emptying_the_key_cache_publishes_nothing(service: PolicyService) -> None:
    assert await HANDLERS.handle(EmptyKeyCache(), service.deps) == []


# The API's queries: nothing published, nothing kept.


async def test_evaluate_decides_without_keeping_anything(service: PolicyService) -> None:
    asked = EvaluateConsultation(facts_of("殺すぞ"), SubjectHistory())

    decision = await handlers.evaluate(asked, service.deps)

    assert decision.outcome.value == "escalate"
    assert await state_keys(service) == set()


async def test_replay_gives_the_decision_the_consumer_made(service: PolicyService) -> None:
    event = await seal(service, THREAT)
    [output] = await decided(service, event)

    [replayed] = await handlers.replay(ReplayCase([event], service.loaded.version), service.deps)

    assert replayed.event_id == str(event.event_id)
    assert replayed.decision_type == "policy.decided"
    sent = json.loads(output.value)["payload"]
    assert replayed.decision.model_dump(mode="json") == sent


class ErasedWhileReading:
    """The intake reader, with privacy's erasure of the subject landing while it decrypts:
    after the decision handler read the subject's state, before it writes the new one."""

    def __init__(self, service: PolicyService) -> None:
        self._service = service
        self._reader = service.deps.reader

    async def read(self, envelope: Envelope) -> Any:
        erasure = ForgetErasedCases(("subj-new",), ("case-new",), complete=True)
        await HANDLERS.handle(erasure, self._service.deps)
        return await self._reader.read(envelope)


async def test_a_decision_on_a_subject_erased_after_its_state_was_read_is_retried(
    service: PolicyService,
) -> None:
    event = await seal(service, case_id="case-new", subject_id="subj-new")
    racing = dataclasses.replace(service.deps, reader=ErasedWhileReading(service))

    with pytest.raises(StateConflictError):
        await HANDLERS.handle(DecideIntakeEvents([event]), racing)
    assert await processed(service, event) is None
    assert await state_keys(service) == set()

    [retried] = await decided(service, event)  # the retry sees the marker
    assert retried.value
    assert await state_keys(service) == set(), "decided, but no state built on the erased"
