"""A decision written back to the ticket it came from, once: the write-back table is read
before the platform is called and written after, so a redelivered decision (or one read
again after a restart) finds its note id and posts nothing.

A crash between the platform's answer and the table's commit could post a second note on
redelivery; the window is one transaction long, and tags are idempotent on every platform.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.intake.domain.writeback import NoteLanguage, compose_note
from services.intake.service_layer.ports import TicketWriter
from services.intake.service_layer.unit_of_work import IntakeStores
from shared.contracts.policy import Decision
from shared.envelope import utc_now


@dataclass(frozen=True, slots=True)
class DecisionReached:
    """Policy's decision on one of intake's cases (policy.decided or closure.decided)."""

    decision_id: str
    case_id: str
    decision: Decision
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class WriteBackDependencies:
    stores: IntakeStores
    writers: Mapping[str, TicketWriter]  # by platform; a platform left out gets no note
    console_url: str
    default_language: str = "en"  # for a ticket whose consultation named no language
    # The consumer group starts at the topic's beginning (a new deployment, a reset group):
    # decisions older than this are history, not news for the agent, and get no note.
    max_age: timedelta = timedelta(days=3)
    clock: Callable[[], datetime] = utc_now


@dataclass(frozen=True, slots=True)
class WrittenBack:
    platform: str
    note_id: str
    duplicate: bool


async def write_back(event: DecisionReached, deps: WriteBackDependencies) -> WrittenBack | None:
    """The note on the case's ticket; None for a case from elsewhere (REST, an unconfigured
    platform, a case intake forgot on erasure) and for a decision older than `max_age`."""
    if not deps.writers or deps.clock() - event.decided_at > deps.max_age:
        return None  # no platform configured: not even a read of the ledger
    async with deps.stores.ledger_work() as uow:
        case = await uow.ledger.case(event.case_id)
        if case is None or case.platform not in deps.writers:
            return None
        sent = await uow.writebacks.sent_note(event.decision_id)
    if sent is not None:
        return WrittenBack(case.platform, sent, duplicate=True)
    language = NoteLanguage.of_ticket(case.language or deps.default_language)
    note = compose_note(event.decision, language, deps.console_url, case.case_id)
    note_id = await deps.writers[case.platform].write(case.external_id, note)
    async with deps.stores.ledger_work() as uow:
        await uow.writebacks.record(event.decision_id, case.case_id, case.platform, note_id)
        await uow.commit()
    return WrittenBack(case.platform, note_id, duplicate=False)
