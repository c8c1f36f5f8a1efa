"""Erasure requests: preview what would go, then keep held cases, shred every other case key of
the subject's linked set and forget the subject index entries, emit `subject.erased`, and answer
with a signed receipt that says what went at once and when residual copies stop being readable.

The receipt names every place that held the subject's data, each with what was done there and
what is still true of it: checked after the fact, pending the epoch close, notified, or not
checked by privacy at all. Nothing is called confirmed that this code did not do and check.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from services.privacy.domain.cases import CaseRecord
from services.privacy.domain.errors import NoMatchError
from services.privacy.domain.events import SUBJECT_ERASED, SubjectErased
from services.privacy.domain.receipt import (
    DestroyedKey,
    ErasureReceipt,
    HeldCase,
    Place,
    PlaceStatus,
    ResidualCopies,
    SignedReceipt,
)
from services.privacy.domain.reports import ErasurePreview, PreviewCase
from services.privacy.domain.requests import RequestKind, RequestStatus
from services.privacy.service_layer.access import new_request
from services.privacy.service_layer.changes import (
    Change,
    ReceiptSaved,
    ReceiptTracked,
    RequestSaved,
)
from services.privacy.service_layer.holds import holding
from services.privacy.service_layer.messages import (
    EraseSubject,
    Identities,
    PreviewErasure,
    ReceiptFile,
)
from services.privacy.service_layer.ports import PrivacyDependencies
from services.privacy.service_layer.publishing import Emission, apply_changes, emit_all
from services.privacy.service_layer.receipts import (
    bind_receipts,
    covering,
    pending_checkpoint,
    receipt_file,
)
from shared.crypto.epochs import Epoch


@dataclass(frozen=True, slots=True)
class _Plan:
    cases: list[CaseRecord]
    held: list[HeldCase]
    erasable: list[CaseRecord]


async def preview_erasure(query: PreviewErasure, deps: PrivacyDependencies) -> ErasurePreview:
    """What `erase_subject` would do now, changing nothing (NoMatchError if nothing matches)."""
    subjects = await deps.subjects.lookup(query.identities)
    if not subjects:
        raise NoMatchError("nothing would be erased")
    plan = await _plan(deps, subjects)
    holds = {held.case_id: held.holds for held in plan.held}
    epoch = await deps.epochs.current_epoch() if plan.erasable else None
    return ErasurePreview(
        subject_refs=subjects,
        cases=tuple(
            [
                PreviewCase(
                    case_id=case.case_id,
                    subject_id=case.subject_id,
                    opened_at=case.opened_at,
                    closed_at=case.closed_at,
                    disposition=case.disposition,
                    has_recording=case.has_recording,
                    kept_events=await deps.store.kept_events([case.case_id]),
                    held_by=holds.get(case.case_id, ()),
                )
                for case in plan.cases
            ]
        ),
        will_erase=tuple(case.case_id for case in plan.erasable),
        will_keep=tuple(held.case_id for held in plan.held),
        subject_index=(
            "kept while held cases remain" if plan.held else "every entry of these subjects goes"
        ),
        residual_copies=_residual(epoch, len(plan.erasable)) if epoch else None,
    )


async def erase_subject(command: EraseSubject, deps: PrivacyDependencies) -> SignedReceipt:
    request = await new_request(deps, command, RequestKind.ERASURE)  # NoMatchError if none
    subjects = request.subject_ids
    async with deps.lock:
        plan = await _plan(deps, subjects)
        forget = not plan.held
        keys = await _shred(deps, plan.erasable, command.actor, request.request_id)
        # Asked after the keys' rows are gone: if an epoch closed meanwhile, the newer epoch is
        # the one whose close makes their residual copies unreadable (never an earlier one).
        epoch = await deps.epochs.current_epoch() if keys else None
        event_ids = await _announce(
            deps, request.request_id, subjects, plan, keys, forget, command.correlation_id
        )
        forgotten = sum([await deps.subjects.forget(s) for s in subjects]) if forget else 0
        places = await confirm_places(
            deps, command.identities, plan.erasable, forget, forgotten, event_ids, epoch
        )
        status = RequestStatus.PARTIAL if plan.held else RequestStatus.FULFILLED
        completed = deps.clock()
        latest = await deps.store.checkpoint()
        positions = await deps.store.erasure_positions(event_ids)
        checkpoint = covering(latest, event_ids, positions) or pending_checkpoint(
            latest, len(event_ids)
        )
        receipt = ErasureReceipt(
            request_id=request.request_id,
            reference=request.reference,
            status=status,
            subject_refs=subjects,
            received_at=request.received_at,
            completed_at=completed,
            handled_by=command.actor,
            erased_case_ids=tuple(case.case_id for case in plan.erasable),
            held_cases=tuple(plan.held),
            keys_destroyed=tuple(keys),
            places=places,
            records_checkpoint=checkpoint,
            event_ids=tuple(event_ids),
            subject_index_entries_removed=forgotten,
            residual_copies=_residual(epoch, len(keys)) if epoch else None,
        )
        signed = deps.signer.sign(receipt)
        done = request.model_copy(update={"status": status, "fulfilled_at": completed})
        tracked = ReceiptTracked(
            request.request_id,
            epoch.number if epoch else None,
            event_ids,
            bound=checkpoint.bound or not event_ids,
        )
        saved: list[Change] = [
            RequestSaved(done),
            ReceiptSaved(request.request_id, signed),
            tracked,
        ]
        await apply_changes(deps, None, saved)
    # Records may have acknowledged the events while the receipt was being made.
    bound = await bind_receipts(deps.store, deps.signer)
    if bound:
        await apply_changes(deps, None, bound)
    return await receipt_file(ReceiptFile(request.request_id), deps) or signed


async def _plan(deps: PrivacyDependencies, subjects: tuple[str, ...]) -> _Plan:
    cases = await deps.store.cases(subjects) if subjects else []
    held_by = await holding(deps)  # active holds, and released ones cooling off
    held = [
        HeldCase(case_id=case.case_id, holds=tuple(found))
        for case in cases
        if (found := held_by(case))
    ]
    kept = {h.case_id for h in held}
    return _Plan(cases, held, [case for case in cases if case.case_id not in kept])


def _residual(epoch: Epoch, keys: int) -> ResidualCopies:
    closes_by = epoch.closes_by.isoformat()
    return ResidualCopies(
        epoch=epoch.number,
        kek_id=epoch.kek_id,
        unreadable_by=epoch.closes_by,
        statement=(
            f"the {keys} destroyed key rows may survive as older copies (database WAL, dead row"
            f" versions, dumps, backups, replicas) wrapped under {epoch.kek_id}; they become"
            f" unreadable at the close of epoch {epoch.number}, no later than {closes_by},"
            " when that KEK is destroyed; a signed completion statement then says so"
        ),
    )


async def _shred(
    deps: PrivacyDependencies, cases: list[CaseRecord], actor: str, request_id: str
) -> list[DestroyedKey]:
    """Every key in one transaction, committed before any event or receipt says so."""
    # The key store keeps who and why with the tombstone: ids only, never a person.
    tombstones = await deps.keys.destroy_many(
        [case.case_id for case in cases],
        actor=f"privacy:{actor}"[:128],
        reason=f"erasure {request_id}",
    )
    return [
        DestroyedKey(case_id=t.case_id, key_id=t.kid, destroyed_at=t.destroyed_at)
        for t in tombstones
    ]


async def _announce(
    deps: PrivacyDependencies,
    request_id: str,
    subjects: tuple[str, ...],
    plan: _Plan,
    keys: list[DestroyedKey],
    forget: bool,
    correlation_id: str | None,
) -> list[str]:
    """One `subject.erased` per erased case (records blanks each); one for the subject alone
    when only the index entry goes; none when everything is held."""
    common = {
        "request_id": request_id,
        "subject_ids": subjects,
        "erased_case_ids": tuple(case.case_id for case in plan.erasable),
        "held_case_ids": tuple(h.case_id for h in plan.held),
        "subject_index_forgotten": forget,
        "erased_at": deps.clock(),
    }
    announced = [
        (
            case.case_id,
            case.subject_id,
            {"key_id": key.key_id, "key_destroyed_at": key.destroyed_at},
        )
        for case, key in zip(plan.erasable, keys, strict=True)
    ]
    if not announced and forget and subjects:
        announced = [(request_id, subjects[0], {})]
    emissions = [
        Emission(SubjectErased.model_validate({**common, **key}), case_id, subject_id)
        for case_id, subject_id, key in announced
    ]
    # One event per case, so publishing them together keeps every case's own order.
    envelopes = await emit_all(
        deps, SUBJECT_ERASED, emissions, correlation_id=correlation_id or request_id
    )
    return [str(envelope.event_id) for envelope in envelopes]


async def confirm_places(
    deps: PrivacyDependencies,
    identities: Identities,
    erased: Sequence[CaseRecord],
    forgot: bool,
    forgotten: int,
    event_ids: Sequence[str],
    epoch: Epoch | None,
) -> tuple[Place, ...]:
    case_ids = [case.case_id for case in erased]
    kept = await deps.store.kept_events(case_ids)
    tombstones = await deps.keys.tombstones(case_ids)
    shredded = sum(tombstone is not None for tombstone in tombstones.values())
    all_shredded = shredded == len(case_ids)
    still_known = await deps.subjects.still_known(identities)
    by_event = f"on subject.erased ({len(event_ids)} events)" if event_ids else "(nothing erased)"
    until = (
        f"until epoch {epoch.number} closes (no later than {epoch.closes_by.isoformat()})"
        if epoch
        else "(no key destroyed)"
    )
    return (
        Place(
            place="privacy store",
            status=PlaceStatus.CONFIRMED if kept == 0 else PlaceStatus.FAILED,
            detail=f"{kept} kept events of the {len(case_ids)} erased cases remain",
        ),
        Place(
            place="key store (live key rows)",
            status=PlaceStatus.CONFIRMED if all_shredded else PlaceStatus.FAILED,
            detail=f"{shredded} of {len(case_ids)} case keys destroyed in the live table",
        ),
        Place(
            place="key store (older copies: WAL, dead row versions, dumps, backups, replicas)",
            status=PlaceStatus.PENDING if epoch else PlaceStatus.CONFIRMED,
            detail=f"copies of the destroyed key rows stay wrapped under the epoch KEK {until}",
        ),
        _subject_index(forgot, forgotten, still_known),
        Place(
            place="event log (caselog.intake, .policy, .privacy topics; records store)",
            status=(PlaceStatus.PENDING if epoch else PlaceStatus.CONFIRMED)
            if all_shredded
            else PlaceStatus.FAILED,
            detail=(
                "ciphertext only, unchanged so every proof verifies; readable only with an"
                f" older copy of a destroyed key, {until}"
            ),
        ),
        Place(
            place="raw ingress (caselog.ingress and caselog.ingress.dlq)",
            status=PlaceStatus.NOT_CHECKED,
            detail=(
                "platform payloads as received, in plaintext: not reached by this erasure;"
                " they go when intake deletes consumed records and the topics' retention ends"
            ),
        ),
        Place(
            place="policy subject state",
            status=PlaceStatus.NOTIFIED,
            detail=f"drops the subject's state {by_event}",
        ),
        Place(
            place="records read model",
            status=PlaceStatus.NOTIFIED,
            detail=f"blanks the erased cases {by_event}",
        ),
        Place(
            place="intake ledger (platform ticket mappings)",
            status=PlaceStatus.NOT_CHECKED,
            detail="subject.erased is published for intake; privacy did not check its ledger",
        ),
    )


def _subject_index(forgot: bool, forgotten: int, still_known: bool) -> Place:
    if not forgot:
        return Place(
            place="subject index",
            status=PlaceStatus.KEPT,
            detail="kept while held cases remain; ask again once the holds are released",
        )
    return Place(
        place="subject index",
        status=PlaceStatus.FAILED if still_known else PlaceStatus.CONFIRMED,
        detail=(
            f"{forgotten} entries removed; the identities given lead to no subject (older"
            " copies hold only keyed digests, which lead nowhere without the pepper)"
        ),
    )
