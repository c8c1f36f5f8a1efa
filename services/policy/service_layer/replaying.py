"""Replay: a case's recorded events decided again under a chosen policy version, with no side
effects, through the same steps as the consumer (so a decision can be re-derived in court)."""

from collections.abc import Sequence
from dataclasses import dataclass

from services.policy.domain.decision import Decision
from services.policy.domain.policy import Policy
from services.policy.service_layer.advancing import advance
from services.policy.service_layer.engine_thread import EngineThread
from services.policy.service_layer.errors import UnevaluableEventError
from services.policy.service_layer.events import subject_key
from services.policy.service_layer.ports import EventReader
from services.policy.service_layer.state import SubjectState
from shared.envelope import Envelope


@dataclass(frozen=True, slots=True)
class Replayed:
    event_id: str
    event_type: str
    decision_type: str
    decision: Decision


async def replay(
    envelopes: Sequence[Envelope], policy: Policy, reader: EventReader, engine_thread: EngineThread
) -> list[Replayed]:
    """Every decision the events yield, in order, starting from an empty history: include
    every event the original decision saw (e.g. the subject's earlier cases) to re-derive it.
    Each step runs on `engine_thread`."""
    states: dict[str, SubjectState] = {}
    replayed = []
    for index, envelope in enumerate(envelopes):
        try:
            event = await reader.read(envelope)
        except UnevaluableEventError as error:
            raise UnevaluableEventError(f"events[{index}]: {error}", f"events[{index}]") from None
        if event is None:
            continue
        key = subject_key(envelope)
        state = states.get(key, SubjectState())
        step = await engine_thread.run(advance, envelope.case_id, event, state, policy)
        states[key] = step.state
        if step.decision is not None and step.event_type is not None:
            replayed.append(
                Replayed(str(envelope.event_id), envelope.type, step.event_type, step.decision)
            )
    return replayed
