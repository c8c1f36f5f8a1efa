"""Test support: litigation bundles built without a database, from rows planned by the domain."""

from datetime import UTC, datetime

from services.records.domain.events import StoredEvent
from shared.bundle.format import Bundle, BundleCaseMap, BundleConsistency, BundleEvent
from shared.merkle import encoding
from shared.merkle.case_map import CaseHead, CaseMap, CaseMapStatement, MapEntry
from shared.merkle.checkpoint import Checkpoint, sign_checkpoint
from shared.merkle.keys import NoteSigner
from shared.merkle.note import sign_note
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree

ORIGIN = "caselog.example/records"


def signed(tree: MerkleTree, size: int, signer: NoteSigner) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, tree.root(size)), [signer])


def bundle_of(
    rows: list[StoredEvent], case_id: str, signer: NoteSigner, since: int | None = None
) -> Bundle:
    """The bundle of `case_id` over every row, with a consistency proof from `since`."""
    tree = MerkleTree(InMemoryNodeStore())
    tree.extend(row.leaf for row in rows)
    events = [
        BundleEvent(
            event_id=row.event_id,
            leaf_index=row.position,
            case_position=row.case_position,
            leaf=encoding.encode(row.leaf),
            prev_hash=encoding.encode(row.prev_hash),
            chain_hash=encoding.encode(row.chain_hash),
            inclusion_proof=[encoding.encode(h) for h in tree.inclusion_proof(row.position)],
        )
        for row in rows
        if row.case_id == case_id
    ]
    consistency = None
    if since is not None:
        proof = [encoding.encode(h) for h in tree.consistency_proof(since)]
        consistency = BundleConsistency(checkpoint=signed(tree, since, signer), proof=proof)
    return Bundle(
        case_id=case_id,
        origin=ORIGIN,
        generated_at=datetime(2025, 4, 3, tzinfo=UTC),
        verifier_key=signer.verifier.key_string(),
        checkpoint=signed(tree, tree.size, signer),
        tree_size=tree.size,
        events=events,
        consistency=consistency,
    )


def with_case_map(bundle: Bundle, rows: list[StoredEvent], signer: NoteSigner) -> Bundle:
    """`bundle` with its case's entry in the case map of every row, signed as records signs it."""
    tree = MerkleTree(InMemoryNodeStore())
    tree.extend(row.leaf for row in rows)
    # In log order, so each case's last row is the one its entry keeps.
    case_map = CaseMap(
        {
            row.case_id: CaseHead(row.case_id, row.case_position + 1, row.chain_hash)
            for row in rows
        }.values()
    )
    statement = CaseMapStatement(ORIGIN, tree.size, tree.root(), case_map.size, case_map.root)
    entry = case_map.prove(bundle.case_id)
    assert isinstance(entry, MapEntry)
    proved = BundleCaseMap.of(sign_note(statement.text(), [signer]), entry)
    return bundle.model_copy(update={"case_map": proved})
