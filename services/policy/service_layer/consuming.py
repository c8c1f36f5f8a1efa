"""The decision consumer: intake events in, decisions out on the policy topic, exactly once."""

import structlog

from services.policy.domain.decision import Decision
from services.policy.domain.policy import Policy
from services.policy.service_layer.advancing import DECISION_SCHEMA_VERSION, advance
from services.policy.service_layer.engine_thread import EngineThread
from services.policy.service_layer.events import erasure_keys, subject_key
from services.policy.service_layer.ports import DecisionStore, EventReader, Processed
from shared.bus.envelopes import envelope_message
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.envelope import Envelope, decode_envelope

log = structlog.get_logger(__name__)
PRODUCER = "policy"


class DecisionConsumer:
    """A bus transform (`Bus.transform`): its outputs and the input offset commit in one Kafka
    transaction, so a decision is visible to read_committed readers exactly when its input
    counts as consumed.

    Why the subject state is exactly-once too: the state lives in policy's database, which no
    Kafka transaction covers. So each input is recorded there by `event_id`, together with
    the decision message it yielded and the new state, in one database transaction (keyed
    writes: the event id is a primary key, the state row is replaced by compare-and-set).
    If the process dies after that write but before the Kafka commit, the Kafka transaction
    is aborted and the input is delivered again; the transform then finds the event id,
    returns the stored message byte for byte and leaves the state alone. If it dies before
    the write, nothing was recorded and the input is decided afresh. Either way the state
    counts each input once and the committed topic holds one decision per input. A zombie
    instance racing the new owner loses on the primary key or on the state's version.

    An event whose subject or case was erased (see `ErasureConsumer`) is still decided, so
    nothing is lost, but on what is left of the state and without writing it back.

    The engine runs on `engine_thread` (a thread of its own when none is given), never on
    the event loop.
    """

    def __init__(
        self,
        policy: Policy,
        reader: EventReader,
        store: DecisionStore,
        topic: str,
        engine_thread: EngineThread | None = None,
    ) -> None:
        self._policy = policy
        self._reader = reader
        self._store = store
        self._topic = topic
        self._engine_thread = engine_thread or EngineThread()

    async def transform(self, message: ConsumedMessage) -> list[OutgoingMessage]:
        envelope = decode_envelope(message.value)
        event_id, key, erasable = (
            str(envelope.event_id),
            subject_key(envelope),
            erasure_keys(envelope),
        )
        loaded = await self._store.recall(event_id, key, erasable)
        if isinstance(loaded, Processed):
            # No message: none was made, or its case was erased (see ErasureConsumer).
            what = "decision re-sent" if loaded.output else "already processed, nothing to re-send"
            log.info(what, event_id=event_id, case_id=envelope.case_id)
            return loaded.outputs()
        event = await self._reader.read(envelope)
        if event is None:
            return []
        step = await self._engine_thread.run(
            advance, envelope.case_id, event, loaded.state, self._policy
        )
        output = None
        if step.decision is not None and step.event_type is not None:
            output = self._message(envelope, step.event_type, step.decision)
        state = None if loaded.erased else step.state
        saved = await self._store.save(event_id, key, loaded, state, output, erasable)
        if step.decision is not None:
            log.info(
                "decided",
                event_id=event_id,
                case_id=envelope.case_id,
                outcome=step.decision.outcome.value,
                rules=sorted({reason.rule.value for reason in step.decision.reasons}),
            )
        return saved.outputs()

    def _message(self, cause: Envelope, event_type: str, decision: Decision) -> OutgoingMessage:
        decided = cause.follow_up(
            event_type=event_type,
            schema_version=DECISION_SCHEMA_VERSION,
            producer=PRODUCER,
            payload=decision.model_dump(mode="json"),
        )
        return envelope_message(self._topic, decided)
