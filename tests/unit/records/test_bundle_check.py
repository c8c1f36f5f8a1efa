"""The offline bundle verifier: a sound bundle passes; each kind of tampering fails, and the
failure names the event, the checkpoint or the proof."""

from typing import Any

import pytest

from services.records.domain.events import StoredEvent
from shared.bundle.check import BundleVerdict, verify_bundle
from shared.bundle.format import Bundle, BundleFormatError, encode_bundle, parse_bundle
from shared.merkle import encoding
from shared.merkle.keys import NoteSigner
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree
from tests.unit.records.bundles import ORIGIN, bundle_of, signed


@pytest.fixture
def bundle(rows: list[StoredEvent], signer: NoteSigner) -> Bundle:
    """case-1's events (leaves 1, 4 and 7 of 9), with a consistency proof from size 3."""
    return bundle_of(rows, "case-1", signer, since=3)


def changed(bundle: Bundle, **fields: Any) -> Bundle:
    return bundle.model_copy(update=fields)


def changed_event(bundle: Bundle, index: int, **fields: Any) -> Bundle:
    events = list(bundle.events)
    events[index] = events[index].model_copy(update=fields)
    return changed(bundle, events=events)


def failure(verdict: BundleVerdict) -> tuple[str | None, str]:
    assert verdict.failure is not None
    return verdict.failure.event_id, str(verdict.failure)


def test_a_sound_bundle_verifies_and_survives_its_file_form(
    bundle: Bundle, signer: NoteSigner
) -> None:
    again = parse_bundle(encode_bundle(bundle))
    verdict = verify_bundle(again, [signer.verifier])

    assert (verdict.ok, verdict.events, verdict.tree_size, verdict.key_trusted) == (
        True,
        3,
        9,
        True,
    )
    assert verify_bundle(again).ok  # with the bundled key alone


def test_one_changed_byte_of_an_event_names_it(bundle: Bundle) -> None:
    victim = bundle.events[1]
    leaf = encoding.decode(victim.leaf).replace(b'"note":"contact', b'"note":"contbct', 1)

    event_id, text = failure(verify_bundle(changed_event(bundle, 1, leaf=encoding.encode(leaf))))

    assert event_id == victim.event_id
    assert text.startswith(f"event {victim.event_id} (leaf 4): not in the signed tree")


def test_a_changed_proof_hash_names_the_event(bundle: Bundle) -> None:
    victim = bundle.events[2]
    proof = list(victim.inclusion_proof)
    proof[0] = encoding.encode(bytes(32))

    event_id, _ = failure(verify_bundle(changed_event(bundle, 2, inclusion_proof=proof)))

    assert event_id == victim.event_id


def test_reordered_events_name_the_first_out_of_place(bundle: Bundle) -> None:
    first, second, third = bundle.events
    event_id, text = failure(verify_bundle(changed(bundle, events=[first, third, second])))

    assert event_id == third.event_id  # it stands where the case's second event belongs
    assert "case position 2 where 1 comes next" in text


def test_events_moved_to_other_leaves_fail_their_proofs(bundle: Bundle) -> None:
    first, second, third = bundle.events
    where = {"leaf_index", "case_position"}
    # A rewritten history: the third event claims the second's place, and the second the third's.
    moved = [
        first,
        third.model_copy(update=second.model_dump(include=where)),
        second.model_copy(update=third.model_dump(include=where)),
    ]
    event_id, text = failure(verify_bundle(changed(bundle, events=moved)))

    assert event_id == third.event_id
    assert f"event {third.event_id} (leaf 4): not in the signed tree" in text


def test_a_missing_first_event_breaks_the_chain(bundle: Bundle) -> None:
    event_id, text = failure(verify_bundle(changed(bundle, events=bundle.events[1:])))

    assert event_id == bundle.events[1].event_id
    assert "case position 1 where 0 comes next" in text


@pytest.mark.parametrize(
    "tamper",
    [
        lambda note: note.replace("\n9\n", "\n8\n", 1),
        lambda note: note[:-10] + ("A" if note[-10] != "A" else "B") + note[-9:],
    ],
    ids=["size line", "signature"],
)
def test_a_changed_checkpoint_note_fails(bundle: Bundle, tamper: Any) -> None:
    verdict = verify_bundle(changed(bundle, checkpoint=tamper(bundle.checkpoint)))

    assert verdict.failure is not None
    assert verdict.failure.subject == "checkpoint"


def test_a_bundle_signed_by_another_key_fails_against_the_trusted_one(
    rows: list[StoredEvent], signer: NoteSigner
) -> None:
    forged = bundle_of(rows, "case-1", NoteSigner.generate(ORIGIN))

    assert verify_bundle(forged).ok  # consistent in itself, with the key it brings...
    verdict = verify_bundle(forged, [signer.verifier])
    assert verdict.failure is not None
    assert verdict.failure.subject == "checkpoint"  # ...but not signed by the log's key
    assert "no signature from a trusted key" in verdict.failure.reason


def test_a_changed_consistency_proof_fails(bundle: Bundle) -> None:
    assert bundle.consistency is not None
    proof = [encoding.encode(bytes(32)), *bundle.consistency.proof[1:]]
    consistency = bundle.consistency.model_copy(update={"proof": proof})

    verdict = verify_bundle(changed(bundle, consistency=consistency))

    assert verdict.failure is not None
    assert verdict.failure.subject == "consistency proof"


def test_a_held_checkpoint_must_be_the_one_proven(
    bundle: Bundle, rows: list[StoredEvent], signer: NoteSigner
) -> None:
    tree = MerkleTree(InMemoryNodeStore())
    tree.extend(row.leaf for row in rows)
    held_three, held_five = signed(tree, 3, signer), signed(tree, 5, signer)
    other = MerkleTree(InMemoryNodeStore())
    other.extend([b"a", b"b", b"c"])
    forked = signed(other, 3, signer)

    assert verify_bundle(bundle, held=held_three).ok
    assert verify_bundle(bundle, held=signed(tree, 9, signer)).ok
    assert "since_size=5" in str(verify_bundle(bundle, held=held_five).failure)
    assert "another root" in str(verify_bundle(bundle, held=forked).failure)


def test_a_file_that_is_not_a_bundle_is_refused_by_field() -> None:
    with pytest.raises(BundleFormatError, match="events"):
        parse_bundle(b'{"format": "caselog.bundle.v1", "case_id": "c"}')
