"""A polled batch of consumed events handled as one (issue 20): the other services' events in
one unit of work, their changes written together (a few statements per table, the applied
event ids in one write), privacy's own events as `own_events` applies them.

The outcome MUST be the one of handling each event alone, in the order read: runs of privacy's
own events and of the other events are handled in that order, each run seeing what the runs
before it committed, and inside a run each read answers what the events before it changed
(tests/unit/privacy/test_consumed_batches.py compares every table)."""

from collections.abc import Sequence
from itertools import groupby

from services.privacy.domain import views
from services.privacy.service_layer import changes as c
from services.privacy.service_layer.consumed import (
    acknowledgement_changes,
    decision_changes,
    intake_changes,
    intake_event_arrived,
    policy_event_arrived,
    records_acknowledged,
    shred_late_event,
)
from services.privacy.service_layer.messages import (
    Consumed,
    EventsConsumed,
    IntakeEventArrived,
    OwnEventsArrived,
    PolicyEventArrived,
    RecordsAcknowledged,
)
from services.privacy.service_layer.own_events import apply_own_events
from services.privacy.service_layer.ports import PrivacyDependencies, PrivacyStoreWrites
from shared.envelope import Envelope


async def events_consumed(message: EventsConsumed, deps: PrivacyDependencies) -> None:
    for own, run in groupby(message.events, key=lambda event: isinstance(event, OwnEventsArrived)):
        events = list(run)
        if own:
            own_events = [event for event in events if isinstance(event, OwnEventsArrived)]
            await apply_own_events(deps, [e for event in own_events for e in event.envelopes])
        elif len(events) == 1 or not await _together(deps, events):
            for event in events:
                await _alone(event, deps)


async def _alone(event: Consumed, deps: PrivacyDependencies) -> None:
    match event:
        case IntakeEventArrived():
            await intake_event_arrived(event, deps)
        case PolicyEventArrived():
            await policy_event_arrived(event, deps)
        case RecordsAcknowledged():
            await records_acknowledged(event, deps)
        case OwnEventsArrived():
            await apply_own_events(deps, event.envelopes)


async def _together(deps: PrivacyDependencies, events: Sequence[Consumed]) -> bool:
    """Intake's, policy's and records' events in one unit of work. Reads: the erased subjects
    and the decisions on close requests, each in one query; writes: the event ids applied in
    one, then their changes (adapters.batch_writes).

    False, and nothing done, while a receipt waits for a checkpoint that an acknowledgement
    here may bring: then each goes alone, so the receipt is bound to the first checkpoint that
    includes its events, as one by one (rare: an erasure's first seconds)."""
    async with deps.unit_of_work() as uow:
        store = uow.store
        if (
            any(isinstance(e, RecordsAcknowledged) for e in events)
            and await store.unbound_receipts()
        ):
            return False
        late, applying = await _late_events(store, events)
        new = await store.first_seen([_event_id(event) for event in applying])
        fresh = [event for event, first in zip(applying, new, strict=True) if first]
        found = await _changes(fresh, await _Decisions.read(store, fresh))
        await store.apply_together(found)
        await uow.commit()
    for envelope, erased_by in late:
        await shred_late_event(deps, envelope, erased_by)
    # No receipt waited for a checkpoint, so none is bound now; one issued meanwhile is bound
    # by the next acknowledgement, as one by one.
    return True


async def _late_events(
    store: PrivacyStoreWrites, events: Sequence[Consumed]
) -> tuple[list[tuple[Envelope, str]], list[Consumed]]:
    """The intake events of subjects erased before they arrived (with the erasing request),
    and the events to apply. Nothing in the run erases a subject, so one read answers all."""
    subjects = {
        event.envelope.subject_id
        for event in events
        if isinstance(event, IntakeEventArrived) and event.envelope.subject_id
    }
    erased = await store.erasures_of(subjects) if subjects else {}
    late: list[tuple[Envelope, str]] = []
    applying: list[Consumed] = []
    for event in events:
        subject = event.envelope.subject_id if isinstance(event, IntakeEventArrived) else None
        erased_by = erased.get(subject) if subject else None
        if isinstance(event, IntakeEventArrived) and erased_by is not None:
            late.append((event.envelope, erased_by))
        else:
            applying.append(event)
    return late, applying


async def _changes(fresh: Sequence[Consumed], decisions: "_Decisions") -> list[c.Change]:
    """What the new events change, in order, each read as if the ones before were applied."""
    found: list[c.Change] = []
    for event in fresh:
        match event:
            case IntakeEventArrived(envelope):
                found += await intake_changes(decisions, envelope)
            case PolicyEventArrived(envelope):
                decided = decision_changes(envelope)
                decisions.kept(envelope, decided)
                found += decided
            case RecordsAcknowledged(envelope):
                found += acknowledgement_changes(envelope)
    return found


def _event_id(event: Consumed) -> str | None:
    """The id an event is applied once by; acknowledgements change only what they may repeat."""
    if isinstance(event, IntakeEventArrived | PolicyEventArrived):
        return str(event.envelope.event_id)
    return None


class _Decisions:
    """`decision_caused_by` as each event of the batch would read it alone: a decision kept
    before the batch (all read at once), or one an earlier event of the batch kept."""

    def __init__(self, store: PrivacyStoreWrites, stored: dict[str, Envelope]) -> None:
        self._store = store
        self._stored = stored
        self._in_batch: dict[str, Envelope] = {}

    @classmethod
    async def read(cls, store: PrivacyStoreWrites, fresh: Sequence[Consumed]) -> "_Decisions":
        requests = [
            str(event.envelope.event_id)
            for event in fresh
            if isinstance(event, IntakeEventArrived)
            and event.envelope.type == views.CLOSURE_REQUESTED
        ]
        return cls(store, await store.decisions_caused_by(requests) if requests else {})

    def kept(self, envelope: Envelope, found: Sequence[c.Change]) -> None:
        cause = envelope.causation_id
        if cause and any(isinstance(change, c.EventKept) for change in found):
            self._in_batch.setdefault(cause, envelope)

    async def decision_caused_by(self, event_id: str) -> Envelope | None:
        if event_id in self._stored:
            return self._stored[event_id]
        decided = self._in_batch.get(event_id)
        if decided is None:
            return None
        # Kept only if its case still keeps events (nothing in this run shreds one).
        case = await self._store.case(decided.case_id)
        return decided if case is None or case.keeps_events else None
