"""The log's proofs (/v1): key and size, checkpoints, inclusion and consistency proofs; no
personal data, so any authenticated caller may read them."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import StringConstraints

from services.records.entrypoints.deps import (
    AUDITORS,
    ConsistencySize,
    ProofSize,
    RecordsDep,
    TreeSize,
)
from services.records.entrypoints.schemas import (
    CheckpointResponse,
    ConsistencyProofResponse,
    InclusionProofResponse,
    LogResponse,
    checkpoint_response,
    known_checkpoint,
)
from services.records.service_layer import reads
from services.records.service_layer.messages import IssueCheckpoint
from shared.auth.roles import Role
from shared.bundle.log_binding import LogBinding
from shared.ids import IDENTIFIER_PATTERN
from shared.merkle import encoding
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1",
    tags=["proofs"],
    dependencies=[Depends(require_roles(*Role))],
    responses=problem_responses(401, 403, 404, 422, 503),
)
EventId = Annotated[str, Query(min_length=1, max_length=36)]
# Each of a receipt's event ids, shaped as caselog's ids are (anything else: 422, not a lookup).
ErasureEventId = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN)]


@router.get("/log", response_model=LogResponse)
async def log(records: RecordsDep) -> LogResponse:
    """The log's origin and public key (trust it once, then check every checkpoint with it)."""
    return LogResponse(
        origin=records.identity.origin,
        verifier_key=records.identity.verifier_key,
        size=await records.store.size(),
        latest_checkpoint=checkpoint_response(await records.store.latest_checkpoint()),
    )


@router.get("/checkpoints/latest", response_model=CheckpointResponse)
async def latest_checkpoint(records: RecordsDep) -> CheckpointResponse:
    return known_checkpoint(await reads.latest_checkpoint(records.store))


@router.post(
    "/checkpoints",
    response_model=CheckpointResponse,
    dependencies=[Depends(require_roles(*AUDITORS))],
)
async def issue_checkpoint(records: RecordsDep) -> CheckpointResponse:
    """Sign the log at its current size now (the one kept, if that size was signed before);
    legal, privacy officers and admins."""
    return known_checkpoint(await records.handle(IssueCheckpoint()))


@router.get("/checkpoints/{size}", response_model=CheckpointResponse)
async def checkpoint(size: TreeSize, records: RecordsDep) -> CheckpointResponse:
    return known_checkpoint(await reads.checkpoint_at(records.store, size))


@router.get("/proofs/inclusion", response_model=InclusionProofResponse)
async def inclusion_proof(
    records: RecordsDep,
    event_id: EventId,
    size: ProofSize = None,
) -> InclusionProofResponse:
    """The audit path of an event in the tree of `size` events."""
    found = await reads.inclusion(records.store, event_id, size)
    proof = found.proof
    return InclusionProofResponse(
        event_id=proof.event_id,
        leaf_index=proof.index,
        tree_size=proof.size,
        leaf_hash=encoding.encode(proof.leaf_hash),
        hashes=[encoding.encode(digest) for digest in proof.hashes],
        checkpoint=checkpoint_response(found.checkpoint),
    )


@router.get("/proofs/consistency", response_model=ConsistencyProofResponse)
async def consistency_proof(
    records: RecordsDep,
    old_size: ConsistencySize,
    new_size: ConsistencySize,
) -> ConsistencyProofResponse:
    """The proof that the tree of `new_size` events extends the tree of `old_size`."""
    found = await reads.consistency(records.store, old_size, new_size)
    return ConsistencyProofResponse(
        old_size=old_size,
        new_size=new_size,
        hashes=[encoding.encode(digest) for digest in found.proof.hashes],
        old_checkpoint=checkpoint_response(found.old_checkpoint),
        new_checkpoint=checkpoint_response(found.new_checkpoint),
    )


@router.get("/proofs/erasures", response_model=LogBinding)
async def erasure_binding(
    records: RecordsDep,
    event_id: Annotated[list[ErasureEventId], Query(min_length=1, max_length=1000)],
) -> LogBinding:
    """The log binding of an erasure receipt (its `event_ids`, repeat `event_id`): the latest
    checkpoint, cosigned, and each `subject.erased` event's bytes and audit path in it, to put
    in the receipt file as `log_binding` (`caselog verify-receipt --bound` checks it). 404
    while records has not logged them or no checkpoint includes them yet; 422 for another
    event type (its bytes may hold personal ciphertext)."""
    return await reads.erasure_binding(records.store, records.identity, event_id)
