"""When each consultation is done: its decision durably in records. Records acknowledges on
`caselog.records`, per case, where the case's newest event now stands; a case is done once its
acknowledged position shows both events (`consultation.received`, then policy's decision).
Acknowledgements name cases, ingress messages name tickets: intake's `consultation.received`
on `caselog.intake` carries both (the ticket id, `source.external_id`, is not personal data)."""

import asyncio
import json
import time
from collections.abc import Iterable

from services.intake.domain.events import CONSULTATION_RECEIVED
from services.records.domain.vocabulary import RECORDS_ACKNOWLEDGED
from shared.bus.messages import ConsumedMessage

EVENTS_PER_CASE = 2  # the consultation and its decision
# Generous: a stalled pipeline fails the benchmark, a slow one (a busy machine) does not.
BASE_TIMEOUT_S, TIMEOUT_S_PER_CONSULTATION = 60.0, 0.5


class Tracker:
    """Fed every message of `caselog.intake` and `caselog.records`; times in perf_counter s."""

    def __init__(self) -> None:
        self.case_of: dict[str, str] = {}  # ticket id -> case id
        self.done_at: dict[str, float] = {}  # ticket id -> when its case was done
        self._ticket_of: dict[str, str] = {}
        self._acknowledged: dict[str, float] = {}  # case id -> when, for cases not yet mapped
        self._waiting: set[str] = set()
        self._all_done = asyncio.Event()

    async def handle(self, message: ConsumedMessage) -> None:
        now = time.perf_counter()
        try:
            event = json.loads(message.value)
        except ValueError:
            return  # not an envelope (a compaction tombstone, a test's poison message)
        if not isinstance(event, dict) or not isinstance(payload := event.get("payload"), dict):
            return
        case_id = event.get("case_id")
        if event.get("type") == CONSULTATION_RECEIVED.type:
            source = payload.get("source")
            ticket = source.get("external_id") if isinstance(source, dict) else None
            if isinstance(ticket, str):
                self.case_of[ticket], self._ticket_of[case_id] = case_id, ticket
                if case_id in self._acknowledged:
                    self._done(ticket, self._acknowledged.pop(case_id))
        elif event.get("type") == RECORDS_ACKNOWLEDGED:
            position = payload.get("case_position")
            if not isinstance(position, int) or position < EVENTS_PER_CASE - 1:
                return
            if (ticket := self._ticket_of.get(case_id)) is not None:
                self._done(ticket, now)
            else:
                self._acknowledged.setdefault(case_id, now)

    async def wait(self, tickets: Iterable[str]) -> None:
        """Returns once every ticket's case is done; raises TimeoutError with how many are not."""
        self._waiting = {ticket for ticket in tickets if ticket not in self.done_at}
        self._all_done.clear()
        if not self._waiting:
            return
        timeout_s = BASE_TIMEOUT_S + TIMEOUT_S_PER_CONSULTATION * len(self._waiting)
        try:
            await asyncio.wait_for(self._all_done.wait(), timeout_s)
        except TimeoutError:
            raise TimeoutError(
                f"{len(self._waiting)} consultations not in records after {timeout_s:.0f} s"
            ) from None

    def _done(self, ticket: str, at: float) -> None:
        self.done_at.setdefault(ticket, at)
        self._waiting.discard(ticket)
        if not self._waiting:
            self._all_done.set()
