"""Anonymizing one case past retention: keep the anonymized copy sealed in privacy's store,
publish its digest, then destroy the case key.

In that order: a copy lost after the key is gone could never be written again, while a key
left behind by a failure after publishing is destroyed by the next sweep (which finds the
copy already kept and publishes it, not a second one). The copy itself never enters the
permanent log: whatever the anonymizer missed can still be corrected or withdrawn.
"""

import structlog

from services.privacy.domain.cases import CaseRecord, Disposition
from services.privacy.domain.copies import anonymized_copy
from services.privacy.domain.events import CASE_ANONYMIZED, CaseAnonymized
from services.privacy.domain.sweep import SweepItem
from services.privacy.service_layer.changes import CopyStored, KeyDestroyed, SealedCopy
from services.privacy.service_layer.dependencies import PrivacyDependencies
from services.privacy.service_layer.reading import (
    ReadEvent,
    case_content,
    key_id_of,
    read_events,
)
from shared.ids import new_identifier

log = structlog.get_logger(__name__)
ACTOR = "privacy:retention"


async def anonymize_case(
    deps: PrivacyDependencies, case: CaseRecord, item: SweepItem, run_id: str
) -> None:
    reason = f"retention sweep {run_id}: {item.rule} after closure"
    if case.disposition is Disposition.ANONYMIZED:
        await _destroy_key(deps, case.case_id, reason)  # the copy was published before
        return
    if (tombstone := await deps.keys.tombstone(case.case_id)) is not None:
        # Shredded elsewhere (an erasure): nothing is left to copy.
        await deps.store.apply(None, [KeyDestroyed(case.case_id, tombstone.destroyed_at)])
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
    await deps.events.emit(
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
    await deps.store.apply(None, [stored])
    return sealed


async def _destroy_key(deps: PrivacyDependencies, case_id: str, reason: str) -> None:
    tombstone = await deps.keys.destroy(case_id, actor=ACTOR, reason=reason)
    await deps.store.apply(None, [KeyDestroyed(case_id, tombstone.destroyed_at)])
