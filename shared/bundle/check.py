"""Offline verification of a litigation bundle: no database, no network, only the bundle and the
shared Merkle and signed-note verifiers. Stops at the first failure and names it."""

from collections.abc import Sequence
from dataclasses import dataclass

from shared.bundle.case_chain import ChainLink, link_mismatch, next_link
from shared.bundle.format import Bundle, BundleEvent
from shared.envelope import InvalidEnvelopeError, decode_envelope
from shared.errors import CaselogError
from shared.merkle import encoding
from shared.merkle.checkpoint import Checkpoint, open_checkpoint
from shared.merkle.cosignature import CosignatureVerifier, cosigners
from shared.merkle.errors import MerkleError
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteVerifier
from shared.merkle.verify import verify_consistency, verify_inclusion


@dataclass(frozen=True)
class BundleFailure:
    """`subject` names the event (id and leaf index), the checkpoint or the key that failed."""

    subject: str
    reason: str
    event_id: str | None = None

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason}"


class BundleCheckFailed(CaselogError):  # noqa: N818 - a verdict, raised only inside the check
    """Ends a bundle check at its first failure."""

    def __init__(self, subject: str, reason: str, event_id: str | None = None) -> None:
        super().__init__(f"{subject}: {reason}")
        self.failure = BundleFailure(subject, reason, event_id)


def decoded(text: str, subject: str, what: str, event_id: str | None = None) -> bytes:
    """Strict base64: a re-encoded variant of the same bytes is a change, not a synonym."""
    try:
        return encoding.decode(text)
    except ValueError:
        raise BundleCheckFailed(subject, f"{what} is not canonical base64", event_id) from None


@dataclass(frozen=True)
class BundleVerdict:
    case_id: str
    events: int
    tree_size: int
    key_trusted: bool  # checked against a key the user gave, not only the bundle's own
    failure: BundleFailure | None
    witnesses: tuple[str, ...] = ()  # the trusted witnesses whose cosignature verified
    # (event id, field path) of each revealed plaintext that matched the log's commitment
    revealed_checked: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.failure is None


def verify_bundle(
    bundle: Bundle,
    trusted: Sequence[NoteVerifier] = (),
    held: str | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> BundleVerdict:
    """Checks the checkpoint's signature (by `trusted` keys if given, else by the bundled key),
    that at least `quorum` of `witnesses` cosigned it (C2SP tlog-cosignature), each event
    against its bytes, audit path and case chain, the consistency proof, and, given `held`
    (a checkpoint note the user kept), that the bundle's log extends it."""
    failure = None
    cosigned: tuple[str, ...] = ()
    try:
        keys = list(trusted) or [_bundled_key(bundle)]
        checkpoint = _checkpoint(bundle, keys)
        cosigned = _check_witnesses(bundle, witnesses, quorum)
        check_events(bundle, checkpoint)
        older = _check_consistency(bundle, checkpoint, keys)
        if held is not None:
            _check_held(bundle, (checkpoint, older), keys, held)
    except BundleCheckFailed as failed:
        failure = failed.failure
    return BundleVerdict(
        bundle.case_id, len(bundle.events), bundle.tree_size, bool(trusted), failure, cosigned
    )


def _bundled_key(bundle: Bundle) -> NoteVerifier:
    try:
        return NoteVerifier.parse(bundle.verifier_key)
    except MerkleError as error:
        raise BundleCheckFailed("verifier key", str(error)) from None


def _open(note: str, keys: Sequence[NoteVerifier], origin: str, subject: str) -> Checkpoint:
    try:
        return open_checkpoint(note, keys, origin=origin)
    except MerkleError as error:
        raise BundleCheckFailed(subject, f"the signed note does not verify: {error}") from None


def _check_witnesses(
    bundle: Bundle, witnesses: Sequence[CosignatureVerifier], quorum: int
) -> tuple[str, ...]:
    """A witness cosigns only a checkpoint consistent with every one it cosigned before, so
    a quorum of independent witnesses rules out a history shown to this holder alone."""
    try:
        names = cosigners(bundle.checkpoint, witnesses).witnesses
    except MerkleError as error:
        raise BundleCheckFailed("witnesses", str(error)) from None
    if len(names) < quorum:
        missing = [w.name for w in witnesses if w.name not in names]
        reason = (
            f"{len(names)} of the witnesses you trust cosigned the checkpoint, {quorum} needed;"
            f" no cosignature by {', '.join(missing)}"
        )
        raise BundleCheckFailed("witnesses", reason)
    return names


def _checkpoint(bundle: Bundle, keys: Sequence[NoteVerifier]) -> Checkpoint:
    checkpoint = _open(bundle.checkpoint, keys, bundle.origin, "checkpoint")
    if checkpoint.size != bundle.tree_size:
        reason = f"it signs size {checkpoint.size}, the bundle claims {bundle.tree_size}"
        raise BundleCheckFailed("checkpoint", reason)
    return checkpoint


def _check_consistency(
    bundle: Bundle, checkpoint: Checkpoint, keys: Sequence[NoteVerifier]
) -> Checkpoint | None:
    if bundle.consistency is None:
        return None
    subject = "consistency proof"
    older = _open(bundle.consistency.checkpoint, keys, bundle.origin, subject)
    proof = [decoded(item, subject, "a proof hash") for item in bundle.consistency.proof]
    try:
        verify_consistency(
            older.size, checkpoint.size, older.root_hash, checkpoint.root_hash, proof
        )
    except MerkleError as error:
        raise BundleCheckFailed(subject, f"from size {older.size}: {error}") from None
    return older


def _check_held(
    bundle: Bundle,
    proven: tuple[Checkpoint, Checkpoint | None],
    keys: Sequence[NoteVerifier],
    held: str,
) -> None:
    subject = "your checkpoint"
    mine = _open(held, keys, bundle.origin, subject)
    same = [checkpoint for checkpoint in proven if checkpoint and checkpoint.size == mine.size]
    if not same:
        reason = (
            f"the bundle proves nothing about size {mine.size}: ask with since_size={mine.size}"
        )
        raise BundleCheckFailed(subject, reason)
    if same[0].root_hash != mine.root_hash:
        raise BundleCheckFailed(subject, f"the log signed another root at size {mine.size}")


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
