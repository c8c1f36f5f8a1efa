"""Closing key epochs (privacy owns key destruction): on demand and when the open epoch is due,
each close published as `keys.epoch_closed` on caselog.privacy, a close whose event a crash lost
announced by the next run."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

from services.privacy.domain.errors import ConflictError
from services.privacy.domain.events import KEYS_EPOCH_CLOSED, EpochClosed
from services.privacy.service_layer.messages import AnnounceEpochCloses, CloseKeyEpoch
from services.privacy.service_layer.ports import EpochKeys, PrivacyDependencies
from services.privacy.service_layer.publishing import emit
from shared.crypto.epoch_rows import EpochCloseInProgressError
from shared.crypto.epochs import EpochClosure
from shared.errors import CaselogError

log = structlog.get_logger(__name__)

# However far off the open epoch's close is, look again this often: another process may
# have closed it, or the clock may have jumped.
RECHECK_S = 300.0


async def close_key_epoch(command: CloseKeyEpoch, deps: PrivacyDependencies) -> EpochClosure | None:
    """Close the open epoch (or finish one a crash left closing) and publish the close.
    ConflictError if another close is running; None if `if_open` was closed meanwhile."""
    try:
        closure = await deps.epochs.close_epoch(holder=command.actor, if_open=command.if_open)
    except EpochCloseInProgressError as error:
        raise ConflictError(str(error)) from None
    await announce_closures(AnnounceEpochCloses(command.correlation_id), deps)
    if closure is not None:
        log.info(
            "key epoch closed",
            closed_epoch=closure.closed.number,
            destroyed_kek_id=closure.destroyed_kek_id,
            rewrapped_keys=closure.rewrapped_keys,
        )
    return closure


async def announce_closures(
    command: AnnounceEpochCloses, deps: PrivacyDependencies
) -> list[EpochClosure]:
    """Publish `keys.epoch_closed` for every close not announced yet, oldest first. A crash
    between publishing and marking publishes it again: consumers are idempotent per epoch."""
    announced = await deps.epochs.unannounced_closures()
    for closure in announced:
        await emit(
            deps,
            KEYS_EPOCH_CLOSED,
            EpochClosed(
                closed_epoch=closure.closed.number,
                destroyed_kek_id=closure.destroyed_kek_id,
                opened_epoch=closure.opened.number,
                opened_kek_id=closure.opened.kek_id,
                rewrapped_keys=closure.rewrapped_keys,
                closed_at=closure.closed_at,
            ),
            case_id=f"key-epoch-{closure.closed.number}",
            subject_id=None,
            correlation_id=command.correlation_id,
        )
        await deps.epochs.mark_announced(closure)
    return announced


async def close_epochs_when_due(
    keys: EpochKeys,
    close: Callable[[int], Awaitable[object]],
    clock: Callable[[], datetime],
    stop: asyncio.Event,
) -> None:
    """Until `stop`: wait for the open epoch's `closes_by`, then `close(its number)`. Several
    processes may run this: the lease lets one close, `if_open` makes the others stand down."""
    while not stop.is_set():
        try:
            epoch = await keys.current_epoch()
            wait_s = (epoch.closes_by - clock()).total_seconds()
            if wait_s <= 0:
                await close(epoch.number)
                continue
        except ConflictError:
            wait_s = 5.0  # another process is closing it
        except CaselogError as error:
            log.warning("scheduled epoch close failed; retrying", error=str(error))
            wait_s = 30.0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), min(wait_s, RECHECK_S))
