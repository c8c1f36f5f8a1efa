"""The decision consumer on a real SQLite store and the real codec (fake keys): decisions as
envelopes, redelivery without double counting, and dead letters for what cannot be decided."""

import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.intake.domain.consultation import MAX_BODY_BYTES
from services.policy.adapters.decision_store import SqlDecisionStore
from services.policy.adapters.intake_reader import IntakeEventReader
from services.policy.adapters.tables import create_tables
from services.policy.domain import Policy
from services.policy.service_layer import consuming
from services.policy.service_layer.consuming import DecisionConsumer
from services.policy.service_layer.errors import UnevaluableEventError
from services.policy.service_layer.events import ConsultationSeen
from shared.bus.delivery import DLQ_HEADER_ERROR, attempt_transform
from shared.bus.envelopes import envelope_message
from shared.bus.messages import ConsumedMessage
from shared.bus.policy import DeliveryPolicy
from shared.crypto.codec import FieldCodec
from shared.database import engine_for_url
from shared.envelope import Envelope, decode_envelope
from tests.unit.policy.intake_envelopes import THREAT, consultation, sealed
from tests.unit.shared.crypto.fake_keys import FakeKeys

TOPIC = "caselog.policy"


def consumed(envelope: Envelope, offset: int = 0) -> ConsumedMessage:
    message = envelope_message("caselog.intake", envelope)
    return ConsumedMessage("caselog.intake", 0, offset, message.key, message.value)


@pytest.fixture
def codec() -> FieldCodec:
    return FieldCodec(FakeKeys())


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlDecisionStore]:
    engine = engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}")
    await create_tables(engine)
    yield SqlDecisionStore(engine)
    await engine.dispose()


@pytest.fixture
def consumer(policy: Policy, codec: FieldCodec, store: SqlDecisionStore) -> DecisionConsumer:
    return DecisionConsumer(policy, IntakeEventReader(codec), store, TOPIC)


async def test_a_threat_is_decided_as_an_envelope_caused_by_the_consultation(
    consumer: DecisionConsumer, codec: FieldCodec, policy: Policy
) -> None:
    event = await sealed(codec, consultation(THREAT), case_id="case-1", subject_id="subj-1")

    [output] = await consumer.transform(consumed(event))

    decided = decode_envelope(output.value)
    assert (output.topic, output.key) == (TOPIC, b"subj-1")
    assert (decided.type, decided.producer) == ("policy.decided", "policy")
    assert decided.causation_id == str(event.event_id)
    assert (decided.case_id, decided.subject_id) == ("case-1", "subj-1")
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
    consumer: DecisionConsumer, codec: FieldCodec
) -> None:
    # Issue 14, finding 5: this gave a 1.3 MB policy.decided event, kept forever in the log.
    body = "バカ" * (MAX_BODY_BYTES // len("バカ".encode()))
    event = await sealed(codec, consultation(body), case_id="case-1", subject_id="subj-1")

    [output] = await consumer.transform(consumed(event))

    assert len(output.value) <= 32 * 1024
    [insult] = [r for r in json.loads(output.value)["payload"]["reasons"] if r["category"]]
    assert len(insult["evidence"]) + insult["evidence_omitted"]["insult"] == body.count("バカ")


async def test_the_engine_runs_on_a_thread_of_its_own_not_the_event_loop(
    consumer: DecisionConsumer, codec: FieldCodec, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = []

    def advance(*args: Any) -> Any:
        threads.append(threading.current_thread())
        return real_advance(*args)

    real_advance = consuming.advance
    monkeypatch.setattr(consuming, "advance", advance)
    event = await sealed(codec, consultation(THREAT), case_id="case-1", subject_id="subj-1")

    [output] = await consumer.transform(consumed(event))

    assert output.value
    [thread] = threads
    assert thread is not threading.current_thread()
    assert thread.name.startswith("policy-")


async def test_a_redelivered_input_resends_the_same_bytes_and_counts_once(
    consumer: DecisionConsumer, codec: FieldCodec, store: SqlDecisionStore
) -> None:
    event = await sealed(codec, consultation(), case_id="case-1", subject_id="subj-1")

    first = await consumer.transform(consumed(event))
    again = await consumer.transform(consumed(event, offset=0))

    assert first == again
    stored = await store.load("subj-1")
    assert stored.version == 1
    assert len(stored.state.case("case-1").contacts) == 1


async def test_events_policy_does_not_decide_pass_without_output(
    consumer: DecisionConsumer, codec: FieldCodec
) -> None:
    event = await sealed(codec, consultation(), case_id="case-1", subject_id="subj-1")
    other = event.model_copy(update={"type": "recording.attached", "payload": {}})

    assert await consumer.transform(consumed(other)) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"schema_version": 2}, "consultation.received v2: unknown schema version"),
        ({"payload": {"channel": "phone"}}, "received_at: Field required"),
    ],
)
async def test_an_event_that_cannot_be_evaluated_is_a_permanent_error(
    consumer: DecisionConsumer, codec: FieldCodec, change: dict[str, object], reason: str
) -> None:
    event = await sealed(codec, consultation(), case_id="case-1", subject_id="subj-1")

    with pytest.raises(UnevaluableEventError, match=reason):
        await consumer.transform(consumed(event.model_copy(update=change)))


async def test_plaintext_identity_is_refused_without_quoting_it(
    consumer: DecisionConsumer, codec: FieldCodec
) -> None:
    event = await sealed(codec, consultation(), case_id="case-1", subject_id="subj-1")
    payload = json.loads(json.dumps(event.payload))
    payload["customer"]["email"] = "hanako.yamada@example.jp"

    with pytest.raises(UnevaluableEventError, match=r"customer\.email") as raised:
        await consumer.transform(consumed(event.model_copy(update={"payload": payload})))

    assert "hanako" not in str(raised.value)


async def test_content_moved_from_another_event_does_not_decrypt(
    consumer: DecisionConsumer, codec: FieldCodec
) -> None:
    one = await sealed(codec, consultation(THREAT), case_id="case-1", subject_id="subj-1")
    other = await sealed(codec, consultation(), case_id="case-1", subject_id="subj-1")
    moved = other.model_copy(update={"payload": {**other.payload, "body": one.payload["body"]}})

    with pytest.raises(UnevaluableEventError, match="content does not decrypt"):
        await consumer.transform(consumed(moved))


async def test_the_bus_dead_letters_it_with_the_reason_in_a_header(
    consumer: DecisionConsumer, codec: FieldCodec
) -> None:
    event = await sealed(codec, consultation(), case_id="case-1", subject_id="subj-1")
    bad = consumed(event.model_copy(update={"schema_version": 7}))

    [letter] = await attempt_transform(bad, consumer.transform, DeliveryPolicy(), "caselog-policy")

    assert letter.topic == "caselog.intake.dlq"
    reason = dict(letter.headers)[DLQ_HEADER_ERROR].decode()
    assert "consultation.received v7: unknown schema version" in reason


class SpyCodec(FieldCodec):
    """Remembers which field classes each decryption asked for."""

    def __init__(self) -> None:
        super().__init__(FakeKeys())
        self.asked: list[frozenset[str]] = []

    async def decrypt(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.asked.append(frozenset(kwargs["classes"]))
        return await super().decrypt(*args, **kwargs)


async def test_policy_asks_for_content_only_and_sees_identity_as_present(policy: Policy) -> None:
    codec = SpyCodec()
    event = await sealed(codec, consultation(), case_id="case-1", subject_id="subj-1")

    seen = await IntakeEventReader(codec).read(event)

    assert codec.asked == [frozenset({"content"})]
    assert isinstance(seen, ConsultationSeen)
    assert seen.facts.has_name
    assert seen.facts.has_email_or_phone
    assert seen.facts.body.startswith("ケトルの底から")
