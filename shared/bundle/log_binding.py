"""A log binding: a signed (and perhaps cosigned) records checkpoint and, for a few events, their
exact bytes, leaf hashes and inclusion proofs in that checkpoint's tree. Records serves one for
privacy's `subject.erased` events; an erasure receipt carries it, and the verifier checks it
with the log's key alone, then ties each proved event to the receipt.

Verifying needs no database and no network: the pinned key, the note, RFC 9162 audit paths."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, ValidationError

from shared.envelope import Envelope, InvalidEnvelopeError, decode_envelope
from shared.errors import CaselogError
from shared.frozen import FrozenModel
from shared.merkle import encoding
from shared.merkle.checkpoint import Checkpoint, open_checkpoint
from shared.merkle.cosignature import CosignatureVerifier, quorum_cosigners
from shared.merkle.errors import MerkleError
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteVerifier
from shared.merkle.verify import verify_inclusion
from shared.validation import summarize

LOG_BINDING_FORMAT: Literal["caselog.log-binding.v1"] = "caselog.log-binding.v1"


class LogBindingError(CaselogError):
    """A binding that does not prove its events are in its checkpoint; says which part failed."""


class ProvedLeaf(FrozenModel):
    """One event as the log holds it: the bytes that were hashed, and its audit path."""

    event_id: str
    leaf_index: int = Field(ge=0)
    leaf: str = Field(description="the canonical envelope bytes that were hashed (base64)")
    leaf_hash: str = Field(description="RFC 9162 leaf hash of `leaf` (base64)")
    inclusion_proof: list[str] = Field(description="RFC 9162 audit path at the checkpoint's size")


class LogBinding(FrozenModel):
    format: Literal["caselog.log-binding.v1"] = LOG_BINDING_FORMAT
    origin: str
    verifier_key: str = Field(description="the log's key as records gives it: pin your own copy")
    checkpoint: str = Field(description="the signed checkpoint note, with witness cosignatures")
    tree_size: int = Field(ge=0)
    leaves: list[ProvedLeaf]


@dataclass(frozen=True, slots=True)
class ProvedEvents:
    """What a binding proved: the checkpoint, and each event it holds, decoded from its leaf."""

    checkpoint: Checkpoint
    events: dict[str, tuple[int, Envelope]]  # event id -> (leaf index, envelope)
    witnesses: tuple[str, ...] = ()  # the trusted witnesses whose cosignature verified


def parse_log_binding(document: object) -> LogBinding:
    try:
        return LogBinding.model_validate(document)
    except ValidationError as error:
        raise LogBindingError(f"not a {LOG_BINDING_FORMAT}: {summarize(error)}") from None


def prove_events(
    binding: LogBinding,
    log_keys: Sequence[NoteVerifier],
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> ProvedEvents:
    """The binding's events, once each is shown to be in a checkpoint signed by one of
    `log_keys` and cosigned by at least `quorum` of `witnesses`. MUST NOT trust the
    binding's own `verifier_key`: a forger ships their own."""
    if not log_keys:
        raise LogBindingError("no records log key to check the checkpoint with")
    try:
        checkpoint = open_checkpoint(binding.checkpoint, log_keys, origin=binding.origin)
    except MerkleError as error:
        raise LogBindingError(f"checkpoint: {error}") from None
    try:
        cosigned = quorum_cosigners(binding.checkpoint, witnesses, quorum) if witnesses else ()
    except MerkleError as error:
        raise LogBindingError(f"witnesses: {error}") from None
    if checkpoint.size != binding.tree_size:
        raise LogBindingError(
            f"checkpoint: it signs size {checkpoint.size}, the binding says {binding.tree_size}"
        )
    events: dict[str, tuple[int, Envelope]] = {}
    for proved in binding.leaves:
        if proved.event_id in events:
            raise LogBindingError(f"event {proved.event_id}: proved twice")
        events[proved.event_id] = (proved.leaf_index, _proved(proved, checkpoint))
    return ProvedEvents(checkpoint, events, cosigned)


def _proved(proved: ProvedLeaf, checkpoint: Checkpoint) -> Envelope:
    subject = f"event {proved.event_id} (leaf {proved.leaf_index})"
    try:
        leaf = encoding.decode(proved.leaf)
        claimed = encoding.decode(proved.leaf_hash)
        path = [encoding.decode(item) for item in proved.inclusion_proof]
    except ValueError:
        raise LogBindingError(f"{subject}: a field is not canonical base64") from None
    if leaf_hash(leaf) != claimed:
        raise LogBindingError(f"{subject}: its leaf hash is not the hash of its bytes")
    try:
        verify_inclusion(claimed, proved.leaf_index, checkpoint.size, path, checkpoint.root_hash)
    except MerkleError as error:
        raise LogBindingError(
            f"{subject}: not in the checkpoint of size {checkpoint.size}: {error}"
        ) from None
    try:
        envelope = decode_envelope(leaf)
    except InvalidEnvelopeError:
        raise LogBindingError(f"{subject}: its bytes are not an event envelope") from None
    if str(envelope.event_id) != proved.event_id:
        raise LogBindingError(f"{subject}: its bytes are event {envelope.event_id}")
    return envelope
