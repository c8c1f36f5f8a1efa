"""Erasure requests: keep held cases, shred every other case key of the subject and forget the
subject index entries, emit `subject.erased`, and answer with a signed receipt."""

from services.privacy.domain.cases import CaseRecord
from services.privacy.domain.events import SUBJECT_ERASED, SubjectErased
from services.privacy.domain.receipt import (
    DestroyedKey,
    ErasureReceipt,
    HeldCase,
    RecordsCheckpoint,
    SignedReceipt,
)
from services.privacy.domain.requests import RequestKind, RequestStatus
from services.privacy.service_layer.access import RegisterRequest, new_request
from services.privacy.service_layer.changes import ReceiptSaved, RequestSaved
from services.privacy.service_layer.dependencies import PrivacyDependencies
from services.privacy.service_layer.erasure_places import confirm_places
from services.privacy.service_layer.holds import holding
from services.privacy.service_layer.publishing import Emission

NO_CHECKPOINT = RecordsCheckpoint(
    available=False, detail="no acknowledgement from records had been read by privacy"
)


async def erase_subject(
    deps: PrivacyDependencies, command: RegisterRequest, correlation_id: str | None = None
) -> SignedReceipt:
    request = await new_request(deps, command, RequestKind.ERASURE)
    subjects = request.subject_ids
    async with deps.lock:
        cases = await deps.store.cases(subjects) if subjects else []
        held_by = await holding(deps)  # active holds, and released ones cooling off
        held = [
            HeldCase(case_id=case.case_id, holds=tuple(found))
            for case in cases
            if (found := held_by(case))
        ]
        kept = {h.case_id for h in held}
        erasable = [case for case in cases if case.case_id not in kept]
        forget = not held
        keys = await _shred(deps, erasable, command.actor, request.request_id)
        event_ids = await _announce(
            deps, request.request_id, subjects, erasable, keys, held, forget, correlation_id
        )
        forgotten = sum([await deps.subjects.forget(s) for s in subjects]) if forget else 0
        places = await confirm_places(
            deps, command.identities, erasable, forget, forgotten, event_ids
        )
        status = RequestStatus.PARTIAL if held else RequestStatus.FULFILLED
        completed = deps.clock()
        receipt = ErasureReceipt(
            request_id=request.request_id,
            reference=request.reference,
            status=status,
            subject_refs=subjects,
            received_at=request.received_at,
            completed_at=completed,
            handled_by=command.actor,
            erased_case_ids=tuple(case.case_id for case in erasable),
            held_cases=tuple(held),
            keys_destroyed=tuple(keys),
            places=places,
            records_checkpoint=await deps.store.checkpoint() or NO_CHECKPOINT,
            event_ids=tuple(event_ids),
        )
        signed = deps.signer.sign(receipt)
        done = request.model_copy(update={"status": status, "fulfilled_at": completed})
        await deps.store.apply(None, [RequestSaved(done), ReceiptSaved(request.request_id, signed)])
    return signed


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
    erased: list[CaseRecord],
    keys: list[DestroyedKey],
    held: list[HeldCase],
    forget: bool,
    correlation_id: str | None,
) -> list[str]:
    """One `subject.erased` per erased case (records blanks each); one for the subject alone
    when only the index entry goes; none when everything is held."""
    common = {
        "request_id": request_id,
        "subject_ids": subjects,
        "erased_case_ids": tuple(case.case_id for case in erased),
        "held_case_ids": tuple(h.case_id for h in held),
        "subject_index_forgotten": forget,
        "erased_at": deps.clock(),
    }
    announced = [
        (
            case.case_id,
            case.subject_id,
            {"key_id": key.key_id, "key_destroyed_at": key.destroyed_at},
        )
        for case, key in zip(erased, keys, strict=True)
    ]
    if not announced and forget and subjects:
        announced = [(request_id, subjects[0], {})]
    emissions = [
        Emission(SubjectErased.model_validate({**common, **key}), case_id, subject_id)
        for case_id, subject_id, key in announced
    ]
    # One event per case, so publishing them together keeps every case's own order.
    envelopes = await deps.events.emit_all(
        SUBJECT_ERASED, emissions, correlation_id=correlation_id or request_id
    )
    return [str(envelope.event_id) for envelope in envelopes]
