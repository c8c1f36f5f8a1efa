"""The retention sweep: find what expired, skip what is held, anonymize or expire the rest,
and report every item; on a schedule and on demand.

Anonymizing one case: keep the anonymized copy sealed in privacy's store, publish its digest,
then destroy the case key. In that order: a copy lost after the key is gone could never be
written again, while a key left behind by a failure after publishing is destroyed by the next
sweep (which finds the copy already kept and publishes it, not a second one). The copy itself
never enters the permanent log: whatever the anonymizer missed can still be corrected or
withdrawn.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from services.privacy.domain.cases import CaseRecord, Disposition
from services.privacy.domain.copies import anonymized_copy
from services.privacy.domain.errors import InvalidRequestError
from services.privacy.domain.events import (
    CASE_ANONYMIZED,
    RETENTION_SWEPT,
    CaseAnonymized,
    RetentionSwept,
    SweptItem,
)
from services.privacy.domain.retention import RecordKind
from services.privacy.domain.sweep import SweepItem, SweepReport, expired_items, report
from services.privacy.service_layer.changes import CopyStored, KeyDestroyed, SealedCopy
from services.privacy.service_layer.messages import RunSweep
from services.privacy.service_layer.ports import PrivacyDependencies
from services.privacy.service_layer.publishing import apply_changes, emit
from services.privacy.service_layer.reading import (
    ReadEvent,
    case_content,
    key_id_of,
    read_events,
)
from shared.errors import CaselogError
from shared.ids import new_identifier

log = structlog.get_logger(__name__)
ACTOR = "privacy:retention"


async def run_sweep(command: RunSweep, deps: PrivacyDependencies) -> SweepReport:
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
        await emit(
            deps,
            RETENTION_SWEPT,
            swept,
            case_id=run_id,
            subject_id=None,
            correlation_id=command.correlation_id,
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


async def anonymize_case(
    deps: PrivacyDependencies, case: CaseRecord, item: SweepItem, run_id: str
) -> None:
    reason = f"retention sweep {run_id}: {item.rule} after closure"
    if case.disposition is Disposition.ANONYMIZED:
        await _destroy_key(deps, case.case_id, reason)  # the copy was published before
        return
    if (tombstone := await deps.keys.tombstone(case.case_id)) is not None:
        # Shredded elsewhere (an erasure): nothing is left to copy.
        await apply_changes(deps, None, [KeyDestroyed(case.case_id, tombstone.destroyed_at)])
        return
    events = await read_events(deps.store, deps.decryptor, case.case_id)
    now = deps.clock()
    sealed = await deps.store.copy_of_case(case.case_id) or await _keep_copy(
        deps, case, item, events
    )
    payload = CaseAnonymized(
        run_id=run_id,
        copy_id=sealed.copy_id,
        copy_sha256=sealed.sha256,
        key_id=key_id_of(events),
        closed_at=item.closed_at,
        closure_reason=item.closure_reason,
        rule=item.rule,
        retention_ends_at=item.retention_ends_at,
        anonymized_at=now,
    )
    await emit(
        deps,
        CASE_ANONYMIZED,
        payload,
        case_id=case.case_id,
        subject_id=case.subject_id,
        correlation_id=run_id,
    )
    await _destroy_key(deps, case.case_id, reason)
    log.info("case anonymized", case_id=case.case_id, run_id=run_id)


async def expire_copy(deps: PrivacyDependencies, item: SweepItem, run_id: str) -> None:
    """A copy past its own retention: its key destroyed here, its row dropped when the
    sweep's `retention.swept` is applied."""
    kept = await deps.store.copy(item.copy_id) if item.copy_id else None
    if kept is not None:
        reason = f"retention sweep {run_id}: {item.rule} after closure"
        await deps.copies.destroy(kept.copy, actor=ACTOR, reason=reason)


async def _keep_copy(
    deps: PrivacyDependencies, case: CaseRecord, item: SweepItem, events: list[ReadEvent]
) -> SealedCopy:
    content = case_content(case.case_id, events)
    copy = anonymized_copy(
        content,
        deps.scrubber.for_subject(content.own_values()),
        copy_id=f"copy-{new_identifier()}",
        closed_at=item.closed_at,
        closure_reason=item.closure_reason,
        anonymized_at=deps.clock(),
    )
    sealed = await deps.copies.seal(copy, version=1)
    stored = CopyStored(case.case_id, sealed, item.closed_at, item.closure_reason)
    await apply_changes(deps, None, [stored])
    return sealed


async def _destroy_key(deps: PrivacyDependencies, case_id: str, reason: str) -> None:
    tombstone = await deps.keys.destroy(case_id, actor=ACTOR, reason=reason)
    await apply_changes(deps, None, [KeyDestroyed(case_id, tombstone.destroyed_at)])
