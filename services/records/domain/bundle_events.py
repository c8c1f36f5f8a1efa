"""The per-event checks of a bundle: bytes, audit path to the signed root, and the case chain."""

from services.records.domain.bundle import Bundle, BundleEvent
from services.records.domain.bundle_failures import BundleCheckFailed, decoded
from services.records.domain.chain import ChainLink, link_mismatch, next_link
from shared.envelope import InvalidEnvelopeError, decode_envelope
from shared.merkle.checkpoint import Checkpoint
from shared.merkle.errors import MerkleError
from shared.merkle.hashing import leaf_hash
from shared.merkle.verify import verify_inclusion


def check_events(bundle: Bundle, checkpoint: Checkpoint) -> None:
    """Every event in log order, from the case's first: raises at the first that fails."""
    if not bundle.events:
        raise BundleCheckFailed("bundle", "it holds no events")
    previous: ChainLink | None = None
    last_index = -1
    for event in bundle.events:
        if event.leaf_index <= last_index:
            raise _failed(event, "out of log order: leaf indexes must increase through the bundle")
        leaf = _bytes(event, event.leaf, "its bytes")
        _check_envelope(bundle, event, leaf)
        proof = [_bytes(event, item, "a proof hash") for item in event.inclusion_proof]
        try:
            verify_inclusion(
                leaf_hash(leaf), event.leaf_index, checkpoint.size, proof, checkpoint.root_hash
            )
        except MerkleError as error:
            raise _failed(event, f"not in the signed tree: {error}") from None
        expected = next_link(previous, leaf)
        claimed = (
            _bytes(event, event.prev_hash, "prev_hash"),
            _bytes(event, event.chain_hash, "chain_hash"),
        )
        if reason := link_mismatch(expected, event.case_position, *claimed):
            raise _failed(event, f"the case chain breaks: {reason}")
        previous, last_index = expected, event.leaf_index


def _check_envelope(bundle: Bundle, event: BundleEvent, leaf: bytes) -> None:
    try:
        envelope = decode_envelope(leaf)
    except InvalidEnvelopeError:
        raise _failed(event, "its bytes are not an event envelope") from None
    if (str(envelope.event_id), envelope.case_id) != (event.event_id, bundle.case_id):
        raise _failed(event, f"its bytes are event {envelope.event_id} of case {envelope.case_id}")


def _subject(event: BundleEvent) -> str:
    return f"event {event.event_id} (leaf {event.leaf_index})"


def _failed(event: BundleEvent, reason: str) -> BundleCheckFailed:
    return BundleCheckFailed(_subject(event), reason, event.event_id)


def _bytes(event: BundleEvent, text: str, what: str) -> bytes:
    return decoded(text, _subject(event), what, event.event_id)
