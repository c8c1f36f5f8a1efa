"""Where each erasure stands: the receipt file as served (with its completion statement once
the key epoch has closed), and per erased subject whether the erasure is complete."""

from services.privacy.domain.receipt import (
    ErasureReceipt,
    ErasureState,
    SignedReceipt,
    SubjectErasure,
)
from services.privacy.domain.requests import RequestKind
from services.privacy.service_layer.dependencies import PrivacyDependencies


async def receipt_file(deps: PrivacyDependencies, request_id: str) -> SignedReceipt | None:
    """The receipt as stored, with the completion statement that names it, if any."""
    signed = await deps.store.receipt(request_id)
    if signed is None:
        return None
    completion = await deps.store.completion_of(request_id)
    return signed.model_copy(update={"completion": completion}) if completion else signed


async def subject_erasures(
    deps: PrivacyDependencies, subject_ids: tuple[str, ...]
) -> list[SubjectErasure]:
    """Every erasure of these subjects, oldest request first, with its state."""
    wanted = set(subject_ids)
    found = []
    for request in await deps.store.requests(RequestKind.ERASURE):
        covered = [s for s in request.subject_ids if s in wanted]
        signed = await deps.store.receipt(request.request_id) if covered else None
        if signed is None:
            continue
        receipt = ErasureReceipt.model_validate(signed.receipt)
        residual = receipt.residual_copies
        completion = await deps.store.completion_of(request.request_id)
        done = completion is not None or (residual is None and not receipt.keys_destroyed)
        found += [
            SubjectErasure(
                subject_id=subject,
                request_id=request.request_id,
                status=request.status,
                state=ErasureState.COMPLETE if done else ErasureState.PENDING,
                epoch=residual.epoch if residual else None,
                unreadable_by=residual.unreadable_by if residual else None,
                completed_by_epoch=(
                    int(completion.statement["closed_epoch"]) if completion else None
                ),
            )
            for subject in covered
        ]
    return found
