"""Policy's handlers, in its one table: decide each intake event exactly once and publish the
decision; forget what privacy erased; and, for the API, evaluate and replay without effects.

The engine (`decide`, `advance`) is pure and CPU-bound: every handler runs it on an
`EngineThread`, never on the event loop, which in the embedded process also serves /healthz
and the other three services.
"""

import asyncio
import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import structlog

from services.policy.domain.advancing import (
    DECISION_SCHEMA_VERSION,
    Step,
    Turn,
    advance,
    advance_in_turn,
)
from services.policy.domain.decision import Decision
from services.policy.domain.engine import decide, decide_closure
from services.policy.domain.policy import Policy
from services.policy.domain.state import (
    CaseEvent,
    ConsultationSeen,
    FactChecked,
    SealedConsultation,
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
    DecideIntakeEvents,
    EmptyKeyCache,
    EvaluateClosure,
    EvaluateConsultation,
    ForgetErasedCases,
    ReplayCase,
    Replayed,
)
from services.policy.service_layer.ports import (
    CachedKeys,
    DecidedInput,
    EventReader,
    NextState,
    PolicyVersions,
    Processed,
    StoredPolicy,
    StoredState,
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


@HANDLERS.handles(DecideIntakeEvents)
async def decide_intake_events(
    command: DecideIntakeEvents, deps: PolicyDependencies
) -> list[OutgoingMessage]:
    """The decision messages on the policy topic (none for an event no rule applies to), in
    the events' order, each exactly once: what deciding the events one at a time would give,
    in one reading and one writing unit of work and one engine call for the whole batch.

    Run as a bus batch transform (`Bus.transform_batch`): the outputs and the inputs' offsets
    commit in one Kafka transaction, so a decision is visible to read_committed readers exactly
    when its input counts as consumed. The subject states are exactly-once too, though they live
    in policy's database, which no Kafka transaction covers: each input is recorded there by
    `event_id`, with the decision message it yielded, and the new states are written, in one
    unit of work. If the process dies after that commit but before Kafka's, the batch is
    delivered again; its inputs are then found by their event ids, their stored messages are
    returned byte for byte and the states left alone. If it dies before, nothing was recorded
    and the batch is decided afresh. An event twice in a batch is decided once, its message
    returned for each. A zombie instance racing the new owner loses on an event id or on a
    state's version (StateConflictError: not permanent; nothing of the batch is written, and
    the bus decides its events one at a time, each reading the state as it is by then).

    Events of one subject advance in order, each on the state the one before left. An event
    whose subject or case was erased is still decided, so nothing is lost, but on what is left
    of the state and without writing it back; one erased after the states were read fails the
    batch in the same way (retried, it sees the marker).
    """
    envelopes = command.envelopes
    # Two units of work, so that no transaction stays open while the content is decrypted
    # and the engine runs; the second checks what the first read is still true.
    async with deps.unit_of_work() as reading:
        done = await reading.decisions.processed_among({str(e.event_id) for e in envelopes})
        fresh = _first_of_each([e for e in envelopes if str(e.event_id) not in done])
        loaded = await reading.decisions.states({_key(e) for e in fresh})
        erased = await reading.decisions.erased_among({k for e in fresh for k in _erasable(e)})
    # The batch's case keys in one read, not one per event (the profile's top cost).
    await deps.cached_keys.prefetch({envelope.case_id for envelope in fresh})
    read = await _turns(deps.reader, fresh, loaded, erased)
    states = {key: stored.state for key, stored in loaded.items()}
    turns = [turn for _, turn in read]
    steps = await deps.decision_thread.run(advance_in_turn, turns, states, deps.policy)
    decided = [
        DecidedInput(str(envelope.event_id), turn.subject_key, _output(envelope, step, deps))
        for (envelope, turn), step in zip(read, steps, strict=True)
    ]
    if decided:
        async with deps.unit_of_work() as writing:
            kept = {k for envelope, turn in read if turn.keeps for k in _erasable(envelope)}
            if await writing.decisions.erased_among(kept):
                # Erased since it was read: a new subject's first state would be created, and
                # the decision on erased text kept, after the erasure had dropped them.
                raise StateConflictError("erased since the state was read; retrying")
            await writing.decisions.record_all(decided)
            left = {
                turn.subject_key: step.state
                for turn, step in zip(turns, steps, strict=True)
                if turn.keeps
            }
            await writing.decisions.replace_states(
                [NextState(key, loaded[key], state) for key, state in left.items()]
            )
            await writing.commit()
    for (envelope, _), step in zip(read, steps, strict=True):
        _log_decided(envelope, step)
    return _in_order(envelopes, done, {d.event_id: d.output for d in decided})


def _key(envelope: Envelope) -> str:
    return subject_key(envelope.subject_id, envelope.case_id)


def _erasable(envelope: Envelope) -> tuple[str, ...]:
    return erasure_keys(envelope.subject_id, envelope.case_id)


def _first_of_each(envelopes: Sequence[Envelope]) -> list[Envelope]:
    """The events in order, each event id once (a redelivery inside a batch is decided once)."""
    first: dict[str, Envelope] = {}
    for envelope in envelopes:
        first.setdefault(str(envelope.event_id), envelope)
    return list(first.values())


async def _turns(
    reader: EventReader,
    fresh: Sequence[Envelope],
    loaded: Mapping[str, StoredState],
    erased: frozenset[str],
) -> list[tuple[Envelope, Turn]]:
    """Each event read, in order, as the engine will advance it; a type policy ignores drops
    out. A fact check reopens its case's consultation as sealed in the state it will advance
    on: the stored one, unless an earlier kept turn of the batch opened the case again (a
    consultation seals itself into its case: `advancing._consultation`)."""
    sealed: dict[tuple[str, str], SealedConsultation | None] = {}
    read = []
    for envelope in fresh:
        key, case_id = _key(envelope), envelope.case_id
        keeps = erased.isdisjoint(_erasable(envelope))
        if (key, case_id) not in sealed:
            sealed[key, case_id] = loaded[key].state.case(case_id).consultation
        event = await _read(reader, envelope, sealed[key, case_id])
        if event is None:
            continue
        if keeps and isinstance(event, ConsultationSeen) and event.sealed is not None:
            sealed[key, case_id] = event.sealed
        read.append((envelope, Turn(key, case_id, event, keeps)))
    return read


def _output(envelope: Envelope, step: Step, deps: PolicyDependencies) -> OutgoingMessage | None:
    if step.decision is None or step.event_type is None:
        return None
    return _decision_message(envelope, step.event_type, step.decision, deps.decisions_topic)


def _log_decided(envelope: Envelope, step: Step) -> None:
    if step.decision is not None:
        log.info(
            "decided",
            event_id=str(envelope.event_id),
            case_id=envelope.case_id,
            outcome=step.decision.outcome.value,
            rules=sorted({reason.rule.value for reason in step.decision.reasons}),
        )


def _in_order(
    envelopes: Sequence[Envelope],
    done: Mapping[str, Processed],
    decided: Mapping[str, OutgoingMessage | None],
) -> list[OutgoingMessage]:
    """Each event's message in the batch's order: as stored for one processed before (none if
    none was made, or its case was erased: see forget_erased_cases), else as just decided."""
    outputs = []
    for envelope in envelopes:
        event_id = str(envelope.event_id)
        if event_id in done:
            resent = done[event_id].outputs()
            what = "decision re-sent" if resent else "already processed, nothing to re-send"
            log.info(what, event_id=event_id, case_id=envelope.case_id)
            outputs.extend(resent)
        elif (output := decided.get(event_id)) is not None:
            outputs.append(output)
    return outputs


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
    empty history and through the same steps as `decide_intake_events`, so a decision can be
    re-derived in court: include every event the original decision saw (e.g. the subject's
    earlier cases) to re-derive it."""
    policy = await deps.versions.policy(request.policy_version)
    states: dict[str, SubjectState] = {}
    replayed = []
    for index, envelope in enumerate(request.envelopes):
        key = subject_key(envelope.subject_id, envelope.case_id)
        state = states.get(key, SubjectState())
        try:
            event = await _read(deps.reader, envelope, state.case(envelope.case_id).consultation)
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


async def _read(
    reader: EventReader, envelope: Envelope, sealed: SealedConsultation | None
) -> CaseEvent | None:
    """The event to advance on; a fact check comes with its case's consultation opened again
    (`sealed`, as the state it advances on keeps it), so that the case can be re-decided on the
    facts now known."""
    event = await reader.read(envelope)
    if isinstance(event, FactChecked) and sealed is not None:
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
