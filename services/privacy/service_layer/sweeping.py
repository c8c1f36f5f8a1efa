"""The retention sweep: find what expired, skip what is held, anonymize or expire the rest,
and report every item; on a schedule and on demand."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from services.privacy.domain.errors import InvalidRequestError
from services.privacy.domain.events import RETENTION_SWEPT, RetentionSwept, SweptItem
from services.privacy.domain.retention import RecordKind
from services.privacy.domain.sweep import SweepItem, SweepReport, expired_items, report
from services.privacy.service_layer.anonymization import anonymize_case, expire_copy
from services.privacy.service_layer.dependencies import PrivacyDependencies
from shared.errors import CaselogError
from shared.ids import new_identifier

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RunSweep:
    """`as_of` looks at another moment (what will be due by then): dry runs only."""

    actor: str
    dry_run: bool = False
    as_of: datetime | None = None


async def run_sweep(
    deps: PrivacyDependencies, command: RunSweep, correlation_id: str | None = None
) -> SweepReport:
    if command.as_of is not None and not command.dry_run:
        raise InvalidRequestError("as_of", "only a dry run may look at another moment")
    run_id = f"sweep-{new_identifier()}"
    async with deps.lock:
        cases = await deps.store.cases()
        as_of = command.as_of or deps.clock()
        holds = await deps.store.holds(active_only=False)  # released ones may cool off
        items = expired_items(
            cases,
            await deps.store.copy_metas(),
            holds,
            deps.rules.retention,
            as_of,
            deps.sweep_interval,
            deps.rules.holds.cooling_off,
        )
        review = [hold for hold in holds if hold.due_for_review(as_of)]
        if review:
            log.warning("holds due for review", hold_ids=[hold.hold_id for hold in review])
        planned = report(run_id, as_of, command.dry_run, items).model_copy(
            update={"holds_due_for_review": review}
        )
        if command.dry_run:
            return planned
        by_id = {case.case_id: case for case in cases}
        done, failed = [], []
        for item in planned.due:
            try:
                if item.kind is RecordKind.CASE_RECORD:
                    await anonymize_case(deps, by_id[item.case_id], item, run_id)
                elif item.kind is RecordKind.ANONYMIZED_COPY:
                    await expire_copy(deps, item, run_id)
                # Recordings and copies expire through the retention.swept event below.
                done.append(item)
            except CaselogError as error:
                log.warning(
                    "sweep item failed",
                    case_id=item.case_id,
                    kind=item.kind.value,
                    error=str(error),  # CaselogError messages name ids, never values
                )
                failed.append(item.model_copy(update={"error": str(error)}))
        swept = RetentionSwept(
            run_id=run_id,
            as_of=as_of,
            done=tuple(_swept(item) for item in done),
            held=tuple(_swept(item) for item in planned.held),
            failed=tuple(_swept(item) for item in failed),
            overdue=len(planned.overdue),
        )
        await deps.events.emit(
            RETENTION_SWEPT, swept, case_id=run_id, subject_id=None, correlation_id=correlation_id
        )
    log.info("retention sweep", run_id=run_id, done=len(done), held=len(planned.held))
    return planned.model_copy(update={"done": done, "failed": failed})


async def sweep_every(
    interval_s: float, sweep: Callable[[], Awaitable[object]], stop: asyncio.Event
) -> None:
    """Run `sweep` every `interval_s` until `stop` is set; a failed run waits for the next."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)
            return
        try:
            await sweep()
        except CaselogError as error:
            log.warning("scheduled sweep failed; the next one retries", error=str(error))


def _swept(item: SweepItem) -> SweptItem:
    return SweptItem(
        kind=item.kind,
        case_id=item.case_id,
        copy_id=item.copy_id,
        hold_ids=tuple(hold.hold_id for hold in item.holds),
    )
