"""Offline verification of a litigation bundle: no database, no network, only the bundle and the
shared Merkle and signed-note verifiers. Stops at the first failure and names it."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import JsonValue

from shared.bundle.case_chain import ChainLink, link_mismatch, next_link
from shared.bundle.format import Bundle, BundleEvent, RevealedEvent
from shared.bundle.reveal import (
    CommitmentsFormatError,
    FieldCommitment,
    RevealCommitments,
    ciphertext_digest,
    ciphertext_paths,
    payload_difference,
    plaintext_digest,
    value_at,
)
from shared.envelope import InvalidEnvelopeError, decode_envelope
from shared.errors import CaselogError
from shared.merkle import encoding
from shared.merkle.case_map import CaseHead, CaseMapStatement, MapEntry, verify_entry
from shared.merkle.checkpoint import Checkpoint, open_checkpoint
from shared.merkle.cosignature import CosignatureVerifier, quorum_cosigners
from shared.merkle.errors import MerkleError
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteVerifier
from shared.merkle.note import VerifiedNote, open_note
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
    complete: bool = False  # the log's signed case map proved no event of the case withheld

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
    against its bytes, audit path and case chain, the consistency proof, given `held` (a
    checkpoint note the user kept) that the bundle's log extends it, and each revealed
    plaintext against the log's signed commitment. With a case map entry, that the events are
    every event the case had at the checkpoint (checked before the events themselves, so a
    withheld event is named as such; the events' own checks then prove the head it names)."""
    failure = None
    cosigned: tuple[str, ...] = ()
    complete = False
    try:
        keys = list(trusted) or [_bundled_key(bundle)]
        checkpoint = _checkpoint(bundle, keys)
        cosigned = _check_witnesses(bundle, witnesses, quorum)
        complete = check_complete(bundle, checkpoint, keys)
        check_events(bundle, checkpoint)
        older = _check_consistency(bundle, checkpoint, keys)
        if held is not None:
            _check_held(bundle, (checkpoint, older), keys, held)
        revealed = check_revealed(bundle, keys)
    except BundleCheckFailed as failed:
        failure, revealed, complete = failed.failure, (), False
    return BundleVerdict(
        bundle.case_id,
        len(bundle.events),
        bundle.tree_size,
        bool(trusted),
        failure,
        cosigned,
        revealed,
        complete,
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
    try:
        return quorum_cosigners(bundle.checkpoint, witnesses, quorum)
    except MerkleError as error:
        raise BundleCheckFailed("witnesses", str(error)) from None


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


COMPLETENESS = "completeness"


def check_complete(bundle: Bundle, checkpoint: Checkpoint, keys: Sequence[NoteVerifier]) -> bool:
    """Whether the bundle proves it holds every event of its case at its checkpoint: False
    for a bundle without a case map entry (older bundles), True if the entry is in the map
    the log's key signed for this checkpoint and names exactly the bundle's events and
    last chain hash; raises otherwise, naming the completeness check."""
    proof = bundle.case_map
    if proof is None:
        return False
    opened = _signed_statement(proof.statement, keys, bundle.origin, COMPLETENESS)
    try:
        statement = CaseMapStatement.parse(opened.text)
    except MerkleError as error:
        raise BundleCheckFailed(COMPLETENESS, f"the case map note: {error}") from None
    claimed = (statement.origin, statement.tree_size, statement.tree_root)
    if claimed != (checkpoint.origin, checkpoint.size, checkpoint.root_hash):
        reason = "the signed case map is for another log or checkpoint than the bundle's"
        raise BundleCheckFailed(COMPLETENESS, reason)
    head = decoded(proof.head, COMPLETENESS, "the case's head")
    path = tuple(decoded(item, COMPLETENESS, "a map proof hash") for item in proof.proof)
    entry = MapEntry(CaseHead(bundle.case_id, proof.events, head), proof.index, path)
    try:
        verify_entry(entry, statement.cases, statement.map_root)
    except MerkleError as error:
        reason = f"the case's entry is not in the log's signed case map: {error}"
        raise BundleCheckFailed(COMPLETENESS, reason) from None
    shown = len(bundle.events)
    if proof.events != shown:
        reason = (
            f"the log's signed case map says the case had {proof.events} events at size"
            f" {checkpoint.size}, the bundle holds {shown}: "
            + ("events of the case were withheld" if shown < proof.events else "it holds extra")
        )
        raise BundleCheckFailed(COMPLETENESS, reason)
    if not bundle.events or bundle.events[-1].chain_hash != proof.head:
        reason = (
            "the case's last event in the log's signed case map is not the bundle's last event:"
            " an event was withheld, replaced or moved"
        )
        raise BundleCheckFailed(COMPLETENESS, reason)
    return True


def _signed_statement(
    note: str, keys: Sequence[NoteVerifier], origin: str, subject: str
) -> VerifiedNote:
    """A note that is no checkpoint, signed by the log's key (named `origin`)."""
    try:
        opened = open_note(note, keys)
    except MerkleError as error:
        raise BundleCheckFailed(subject, f"the signed note does not verify: {error}") from None
    if not any(signature.name == origin for signature in opened.verified):
        raise BundleCheckFailed(subject, f"no key named {origin!r} signed it")
    return opened


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


def check_revealed(bundle: Bundle, keys: Sequence[NoteVerifier]) -> tuple[tuple[str, str], ...]:
    """Each revealed plaintext against the commitment the log's key signed at export, and the
    rest of each revealed payload against the proved event: returns the (event id, field)
    pairs checked. A plaintext that no signed commitment covers fails: shown text that
    nothing binds is the tampering this check exists to catch."""
    shown = bundle.revealed or []
    stored = {event.event_id: _payload(event) for event in bundle.events}
    for revealed in shown:
        _check_unchanged_besides_reveal(revealed, stored)
    fields = [(revealed, field) for revealed in shown for field in revealed.revealed_fields]
    if not fields:
        return ()
    commitments = _commitments(bundle, keys, stored)
    committed = {(c.event_id, c.field): c for c in commitments.fields}
    for revealed, field in fields:
        _check_field(revealed, field, committed, stored[revealed.event_id])
    return tuple((revealed.event_id, field) for revealed, field in fields)


def _payload(event: BundleEvent) -> dict[str, JsonValue]:
    """The payload of an event whose bytes `check_events` has already decoded and proved."""
    return decode_envelope(encoding.decode(event.leaf)).payload


def _check_unchanged_besides_reveal(
    revealed: RevealedEvent, stored: Mapping[str, dict[str, JsonValue]]
) -> None:
    subject = f"revealed event {revealed.event_id}"
    payload = stored.get(revealed.event_id)
    if payload is None:
        raise BundleCheckFailed(subject, "it is not one of the bundle's events", revealed.event_id)
    sealed = set(ciphertext_paths(payload))
    if stray := [field for field in revealed.revealed_fields if field not in sealed]:
        reason = f"field {stray[0]} is no ciphertext of the stored event"
        raise BundleCheckFailed(subject, reason, revealed.event_id)
    if where := payload_difference(payload, revealed.payload, revealed.revealed_fields):
        reason = f"{where} differs from the stored event, and is not a revealed field"
        raise BundleCheckFailed(subject, reason, revealed.event_id)


def _commitments(
    bundle: Bundle, keys: Sequence[NoteVerifier], stored: Mapping[str, dict[str, JsonValue]]
) -> RevealCommitments:
    subject = "reveal commitments"
    if bundle.reveal_commitments is None:
        raise BundleCheckFailed(subject, "plaintext is shown but the log signed no commitment")
    opened = _signed_statement(bundle.reveal_commitments, keys, bundle.origin, subject)
    try:
        commitments = RevealCommitments.parse(opened.text)
    except CommitmentsFormatError as error:
        raise BundleCheckFailed(subject, f"the signed note does not verify: {error}") from None
    claimed = (commitments.origin, commitments.case_id, commitments.access_event_id)
    if claimed != (bundle.origin, bundle.case_id, bundle.access_event_id):
        reason = "they are for another log, case or reveal than this bundle's"
        raise BundleCheckFailed(subject, reason)
    access = stored.get(commitments.access_event_id)
    if access is None:
        reason = f"their access event {commitments.access_event_id} is not in the bundle"
        raise BundleCheckFailed(subject, reason)
    if _accounted(access) != {(c.event_id, c.field) for c in commitments.fields}:
        reason = "they do not name the fields the reveal's access event says were revealed"
        raise BundleCheckFailed(subject, reason)
    return commitments


def _accounted(access: dict[str, JsonValue]) -> set[tuple[str, str]]:
    """The (event id, field) pairs an `access.recorded` payload says the reveal showed."""
    found: set[tuple[str, str]] = set()
    items = access.get("revealed")
    for item in items if isinstance(items, list) else ():
        fields = item.get("fields") if isinstance(item, dict) else None
        event_id = item.get("event_id") if isinstance(item, dict) else None
        if isinstance(event_id, str) and isinstance(fields, list):
            found |= {(event_id, field) for field in fields if isinstance(field, str)}
    return found


def _check_field(
    revealed: RevealedEvent,
    field: str,
    committed: Mapping[tuple[str, str], FieldCommitment],
    stored: dict[str, JsonValue],
) -> None:
    subject = f"revealed event {revealed.event_id}"
    commitment = committed.get((revealed.event_id, field))
    if commitment is None:
        reason = f"field {field}: no commitment signed by the log covers it"
        raise BundleCheckFailed(subject, reason, revealed.event_id)
    salt = revealed.salts.get(field)
    if salt is None:
        raise BundleCheckFailed(subject, f"field {field}: its salt is missing", revealed.event_id)
    digest = plaintext_digest(
        decoded(salt, subject, f"field {field}'s salt"), value_at(revealed.payload, field)
    )
    if digest != commitment.plaintext_sha256:
        reason = f"field {field}: the shown plaintext is not the text the log committed to"
        raise BundleCheckFailed(subject, reason, revealed.event_id)
    if ciphertext_digest(value_at(stored, field)) != commitment.ciphertext_sha256:
        reason = f"field {field}: the commitment is for another ciphertext than the stored one"
        raise BundleCheckFailed(subject, reason, revealed.event_id)
