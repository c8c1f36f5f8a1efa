"""Policy's handlers, in its one table: decide each intake event exactly once and publish the
decision; forget what privacy erased; and, for the API, evaluate and replay without effects.

The engine (`decide`, `advance`) is pure and CPU-bound: every handler runs it on an
`EngineThread`, never on the event loop, which in the embedded process also serves /healthz
and the other three services.
"""

import asyncio
import dataclasses
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import structlog

from services.policy.domain.advancing import DECISION_SCHEMA_VERSION, advance
from services.policy.domain.decision import Decision
from services.policy.domain.engine import decide, decide_closure
from services.policy.domain.policy import Policy
from services.policy.domain.state import (
    CaseEvent,
    FactChecked,
    SubjectState,
    erasure_keys,
    subject_key,
)
from services.policy.service_layer.errors import (
    StateConflictError,
    UnevaluableEventError,
    UnknownPolicyVersionError,
)
from services.policy.service_layer.messages import (
    DecideIntakeEvent,
    EmptyKeyCache,
    EvaluateClosure,
    EvaluateConsultation,
    ForgetErasedCases,
    ReplayCase,
    Replayed,
)
from services.policy.service_layer.ports import (
    CachedKeys,
    EventReader,
    PolicyVersions,
    StoredPolicy,
)
from services.policy.service_layer.unit_of_work import PolicyUnitOfWork
from shared.bus.envelopes import envelope_message
from shared.bus.messages import OutgoingMessage
from shared.envelope import Envelope
from shared.handling import HandlerTable

log = structlog.get_logger(__name__)
PRODUCER = "policy"
P = ParamSpec("P")
R = TypeVar("R")


class EngineThread:
    """Runs pure, CPU-bound engine calls (`decide`, `advance`) on one worker thread.

    Why a thread and not a process: the engine and its inputs (policy, state) would be
    pickled for every message, and the embedded runtime must stay one process. The worker
    holds the GIL while it computes, but CPython hands it back to the loop every switch
    interval (5 ms), so the loop keeps answering; the linear text scan and the evidence
    limits bound how long one decision runs. One worker: decisions are taken one at a time,
    in the order asked, as they were on the loop. The engine is deterministic, so where it
    runs does not change a decision.
    """

    def __init__(self, name: str = "policy-engine") -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None  # started on first use, again after close

    async def run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """`function(*args, **kwargs)` on the engine thread, awaited without blocking the loop."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        call = functools.partial(function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        """Lets the thread go; a decision under way finishes on its own, its result unused."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


@dataclass(frozen=True, slots=True)
class PolicyDependencies:
    """What `bootstrap` gives every handler."""

    policy: Policy  # in force
    unit_of_work: Callable[[], PolicyUnitOfWork]
    reader: EventReader
    versions: PolicyVersions
    cached_keys: CachedKeys
    decisions_topic: str
    # The consumer's decisions on one thread, the API's evaluations and replays on another,
    # so that callers of the API cannot queue ahead of the decisions of intake's events.
    decision_thread: EngineThread
    request_thread: EngineThread


HANDLERS: HandlerTable[PolicyDependencies, list[OutgoingMessage]] = HandlerTable("policy")


@HANDLERS.handles(DecideIntakeEvent)
async def decide_intake_event(
    command: DecideIntakeEvent, deps: PolicyDependencies
) -> list[OutgoingMessage]:
    """The decision message on the policy topic (none if no rule applies), exactly once.

    Run as a bus transform (`Bus.transform`): its outputs and the input offset commit in one
    Kafka transaction, so a decision is visible to read_committed readers exactly when its
    input counts as consumed. The subject state is exactly-once too, though it lives in
    policy's database, which no Kafka transaction covers: each input is recorded there by
    `event_id`, with the decision message it yielded and the new state, in one unit of work.
    If the process dies after that commit but before Kafka's, the input is delivered again;
    it is then found by its event id, its stored message is returned byte for byte and the
    state is left alone. If it dies before, nothing was recorded and the input is decided
    afresh. A zombie instance racing the new owner loses on the event id or on the state's
    version (StateConflictError: not permanent, the retry reads the new state).

    An event whose subject or case was erased is still decided, so nothing is lost, but on
    what is left of the state and without writing it back; one erased after its state was
    read is refused and retried (then it sees the marker).
    """
    envelope = command.envelope
    event_id, case_id = str(envelope.event_id), envelope.case_id
    key = subject_key(envelope.subject_id, case_id)
    erasable = erasure_keys(envelope.subject_id, case_id)
    # Two units of work, so that no transaction stays open while the content is decrypted
    # and the engine runs; the second checks what the first read is still true.
    async with deps.unit_of_work() as reading:
        done = await reading.decisions.processed(event_id)
        if done is not None:
            # No message: none was made, or its case was erased (see forget_erased_cases).
            what = "decision re-sent" if done.output else "already processed, nothing to re-send"
            log.info(what, event_id=event_id, case_id=case_id)
            return done.outputs()
        loaded = await reading.decisions.state(key, erasable)
    event = await _read(deps.reader, envelope, loaded.state)
    if event is None:
        return []
    step = await deps.decision_thread.run(advance, case_id, event, loaded.state, deps.policy)
    output = None
    if step.decision is not None and step.event_type is not None:
        output = _decision_message(envelope, step.event_type, step.decision, deps.decisions_topic)
    async with deps.unit_of_work() as writing:
        if not loaded.erased and await writing.decisions.any_erased(erasable):
            # Erased since it was read: a new subject's first state would be created, and the
            # decision on erased text kept, after the erasure had dropped them.
            raise StateConflictError("erased since the state was read; retrying")
        if not await writing.decisions.record(event_id, key, output):
            first = await writing.decisions.processed(event_id)
            return first.outputs() if first is not None else []
        if not loaded.erased:
            await writing.decisions.replace_state(key, loaded, step.state)
        await writing.commit()
    if step.decision is not None:
        log.info(
            "decided",
            event_id=event_id,
            case_id=case_id,
            outcome=step.decision.outcome.value,
            rules=sorted({reason.rule.value for reason in step.decision.reasons}),
        )
    return [] if output is None else [output]


@HANDLERS.handles(ForgetErasedCases)
async def forget_erased_cases(
    erasure: ForgetErasedCases, deps: PolicyDependencies
) -> list[OutgoingMessage]:
    """Forget what `subject.erased` names; nothing is published.

    What goes: the state of every erased case (a case's own row, and the case inside its
    subject's state, with the conduct found in it); when no case of the subject is held, the
    subject's whole state row; and the decision messages kept for re-sending that were made
    on the erased cases (they cite offsets into the erased text and the terms found there).
    What stays: a row per processed input (event id, subject key, when), all random ids, so
    a redelivered input of an erased case is still known as processed and not decided
    again; it is answered with nothing. Inputs of cases not erased keep their message and
    re-send it byte for byte. Erased subject ids and case keys are remembered (random ids
    too): a late intake event for them is decided, so no decision is lost, but builds no
    state. The decisions already published stay where they went: on `caselog.policy` and in
    records' append-only log, which policy does not own.

    Idempotent, as at-least-once delivery needs: a second erasure finds nothing to drop. A
    decision racing the erasure loses on the state's version and is retried, then sees the
    marker. The erased cases' keys leave this process's key cache at once.
    """
    for case_id in erasure.case_ids:
        deps.cached_keys.evict(case_id)
    async with deps.unit_of_work() as work:
        await work.decisions.forget(erasure)
        await work.commit()
    log.info(
        "erased state forgotten",
        event_id=erasure.event_id,
        cases=len(erasure.case_ids),
        complete=erasure.complete,
    )
    return []


@HANDLERS.handles(EmptyKeyCache)
async def empty_key_cache(_: EmptyKeyCache, deps: PolicyDependencies) -> list[OutgoingMessage]:
    deps.cached_keys.forget_cached_keys()
    return []


# The API's queries: they publish nothing and change no state, so they are not in the table.


async def evaluate(request: EvaluateConsultation, deps: PolicyDependencies) -> Decision:
    """What the policy (in force, or an earlier version) would say on a consultation."""
    policy = await _policy_asked(request.policy_version, deps)
    return await deps.request_thread.run(decide, request.consultation, request.history, policy)


async def evaluate_closure(request: EvaluateClosure, deps: PolicyDependencies) -> Decision:
    """What the policy (in force, or an earlier version) would say on a request to close."""
    policy = await _policy_asked(request.policy_version, deps)
    return await deps.request_thread.run(decide_closure, request.closure, request.history, policy)


async def _policy_asked(version: str | None, deps: PolicyDependencies) -> Policy:
    return deps.policy if version is None else await deps.versions.policy(version)


async def replay(request: ReplayCase, deps: PolicyDependencies) -> list[Replayed]:
    """Every decision the events yield, in order, under the version asked for, starting from an
    empty history and through the same steps as `decide_intake_event`, so a decision can be
    re-derived in court: include every event the original decision saw (e.g. the subject's
    earlier cases) to re-derive it."""
    policy = await deps.versions.policy(request.policy_version)
    states: dict[str, SubjectState] = {}
    replayed = []
    for index, envelope in enumerate(request.envelopes):
        key = subject_key(envelope.subject_id, envelope.case_id)
        state = states.get(key, SubjectState())
        try:
            event = await _read(deps.reader, envelope, state)
        except UnevaluableEventError as error:
            raise UnevaluableEventError(f"events[{index}]: {error}", f"events[{index}]") from None
        if event is None:
            continue
        step = await deps.request_thread.run(advance, envelope.case_id, event, state, policy)
        states[key] = step.state
        if step.decision is not None and step.event_type is not None:
            replayed.append(
                Replayed(str(envelope.event_id), envelope.type, step.event_type, step.decision)
            )
    return replayed


async def policy_version(version: str, deps: PolicyDependencies) -> StoredPolicy:
    """The policy file of a version this service has run; UnknownPolicyVersionError otherwise."""
    stored = await deps.versions.stored(version)
    if stored is None:
        raise UnknownPolicyVersionError(version)
    return stored


async def _read(reader: EventReader, envelope: Envelope, state: SubjectState) -> CaseEvent | None:
    """The event to advance on; a fact check comes with its case's consultation opened again,
    which the state keeps sealed, so that the case can be re-decided on the facts now known."""
    event = await reader.read(envelope)
    if isinstance(event, FactChecked):
        sealed = state.case(envelope.case_id).consultation
        if sealed is not None:
            try:
                facts = await reader.consultation(envelope.case_id, sealed)
            except UnevaluableEventError:
                # Erased since (its key is gone): the findings are kept, nothing is re-decided.
                return event
            event = dataclasses.replace(event, consultation=facts)
    return event


def _decision_message(
    cause: Envelope, event_type: str, decision: Decision, topic: str
) -> OutgoingMessage:
    decided = cause.follow_up(
        event_type=event_type,
        schema_version=DECISION_SCHEMA_VERSION,
        producer=PRODUCER,
        payload=decision.model_dump(mode="json"),
    )
    return envelope_message(topic, decided)
