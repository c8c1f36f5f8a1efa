"""The incremental tree: all proofs of all past sizes up to 300 leaves, costs, and resumption."""

import hashlib
from collections.abc import Sequence

import pytest

from shared.merkle.errors import MissingNodeError, NodeConflictError, ProofError, TreeSizeError
from shared.merkle.hashing import leaf_hash
from shared.merkle.store import InMemoryNodeStore, NodeId
from shared.merkle.tree import MerkleTree
from shared.merkle.verify import verify_consistency, verify_inclusion

N = 300
LEAVES = [f"event {i}".encode() * (i % 3) for i in range(N)]  # includes empty leaves


# The RFC 9162 §2.1 definitions, recursion and all, as an oracle independent of the package.
def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def mth(d: Sequence[bytes]) -> bytes:
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


class CountingStore(InMemoryNodeStore):
    """Counts reads and writes, to hold the tree to its cost promises."""

    def __init__(self) -> None:
        super().__init__()
        self.gets: list[int] = []
        self.puts: list[int] = []

    def get(self, ids: Sequence[NodeId]) -> list[bytes]:
        self.gets.append(len(ids))
        return super().get(ids)

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        self.puts.append(len(nodes))
        super().put(nodes)


@pytest.fixture(scope="module")
def store() -> InMemoryNodeStore:
    store = InMemoryNodeStore()
    tree = MerkleTree(store)
    for leaf in LEAVES:
        tree.append(leaf)
    return store


@pytest.fixture(scope="module")
def tree(store: InMemoryNodeStore) -> MerkleTree:
    return MerkleTree(store)


@pytest.fixture(scope="module")
def roots() -> list[bytes]:
    return [mth(LEAVES[:size]) for size in range(N + 1)]


def test_appends_write_one_batch_of_log_n_nodes_and_read_nothing() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    for leaf in LEAVES:
        tree.append(leaf)
    assert store.gets == [0]  # the empty tree's frontier, at construction
    for index, written in enumerate(store.puts):
        trailing_ones = (index ^ (index + 1)).bit_length() - 1
        assert written == 1 + trailing_ones
    assert len(store.puts) == N


def test_roots_of_every_past_size_match_the_rfc_definition(
    tree: MerkleTree, roots: list[bytes]
) -> None:
    assert tree.size == N
    assert [tree.root(size) for size in range(N + 1)] == roots


def test_every_leaf_of_every_size_has_a_verifying_inclusion_proof(
    tree: MerkleTree, roots: list[bytes]
) -> None:
    for size in range(1, N + 1):
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, roots[size])


def test_every_pair_of_sizes_has_a_verifying_consistency_proof(
    tree: MerkleTree, roots: list[bytes]
) -> None:
    for new in range(N + 1):
        for old in range(new + 1):
            proof = tree.consistency_proof(old, new)
            verify_consistency(old, new, roots[old], roots[new], proof)


def test_proofs_are_exactly_the_rfc_definitions(tree: MerkleTree) -> None:
    for size in range(1, 70):
        leaves = LEAVES[:size]
        for m in range(size):
            assert tree.inclusion_proof(m, size) == path(m, leaves)
            assert tree.consistency_proof(m, size) == (subproof(m, leaves, True) if m else [])


def test_proofs_for_past_sizes_read_o_log_n_nodes_in_one_batch() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    tree.extend(LEAVES)
    depth = (N - 1).bit_length()
    for size in range(1, N + 1, 7):
        for index in range(0, size, 5):
            store.gets.clear()
            tree.inclusion_proof(index, size)
            tree.consistency_proof(index, size)
            assert len(store.gets) == 2
            # Perfect siblings along the path, plus one range that splits into the rest.
            assert max(store.gets) <= 2 * depth + 1


def test_a_proof_fails_for_a_wrong_root_index_leaf_or_tampered_node(
    tree: MerkleTree, roots: list[bytes]
) -> None:
    for size in range(2, 65):
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            leaf = leaf_hash(LEAVES[index])
            tampered = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
            wrong = [
                (leaf, index, size, proof, roots[size - 1]),
                (leaf, (index + 1) % size, size, proof, roots[size]),
                (leaf_hash(b"forged"), index, size, proof, roots[size]),
                (leaf, index, size, tampered, roots[size]),
                (leaf, index, size, proof[:-1], roots[size]),
            ]
            for args in wrong:
                with pytest.raises(ProofError):
                    verify_inclusion(*args)
            if index:
                consistency = tree.consistency_proof(index, size)
                with pytest.raises(ProofError):
                    verify_consistency(index, size, roots[index - 1], roots[size], consistency)
                with pytest.raises(ProofError):
                    verify_consistency(index, size, roots[index], roots[size - 1], consistency)


def test_a_tree_reopened_on_its_store_continues_where_it_stopped(store: InMemoryNodeStore) -> None:
    reopened = MerkleTree(store)
    assert reopened.size == N
    assert reopened.leaf_hash(N - 1) == leaf_hash(LEAVES[-1])
    fresh_store = InMemoryNodeStore()
    MerkleTree(fresh_store).extend(LEAVES)
    continued = MerkleTree(fresh_store)
    assert continued.extend([b"one", b"two"]) == range(N, N + 2)
    assert continued.root() == mth([*LEAVES, b"one", b"two"])


def test_sizes_and_indexes_outside_the_tree_are_refused(tree: MerkleTree) -> None:
    for call in (
        lambda: tree.root(N + 1),
        lambda: tree.root(-1),
        lambda: tree.inclusion_proof(N, N),
        lambda: tree.inclusion_proof(0, N + 1),
        lambda: tree.inclusion_proof(0, 0),
        lambda: tree.consistency_proof(5, 4),
        lambda: tree.consistency_proof(0, N + 1),
        lambda: tree.leaf_hash(N),
        lambda: tree.leaf_hash(-1),
    ):
        with pytest.raises(TreeSizeError):
            call()


def test_the_store_refuses_rewrites_and_gaps_and_keeps_refused_batches_out() -> None:
    store = InMemoryNodeStore()
    MerkleTree(store).extend([b"a", b"b"])
    before = store.get([(0, 0), (0, 1), (1, 0)])
    with pytest.raises(NodeConflictError):
        store.put([((0, 2), b"c" * 32), ((0, 0), b"x" * 32)])
    with pytest.raises(NodeConflictError):
        store.put([((0, 3), b"d" * 32)])
    with pytest.raises(NodeConflictError):
        store.put([((-1, 0), b"d" * 32)])
    store.put([((0, 0), before[0])])  # rewriting the same hash is harmless
    assert store.leaf_count() == 2
    assert store.get([(0, 0), (0, 1), (1, 0)]) == before
    with pytest.raises(MissingNodeError):
        store.get([(0, 2)])
    with pytest.raises(MissingNodeError):
        store.get([(0, -1)])


def test_a_store_missing_a_node_is_reported_not_papered_over() -> None:
    store = InMemoryNodeStore()
    store.put([((0, 0), leaf_hash(b"a")), ((0, 1), leaf_hash(b"b"))])
    tree = MerkleTree(store)  # the frontier is read when first needed, and needs node (1, 0)
    with pytest.raises(MissingNodeError):
        tree.append(b"c")
    with pytest.raises(MissingNodeError):
        tree.root()
    assert store.leaf_count() == 2  # the refused append wrote nothing


def test_a_kept_right_edge_spares_the_read_and_gives_the_same_tree(roots: list[bytes]) -> None:
    store = CountingStore()
    writer = MerkleTree(store)
    writer.extend(LEAVES[:100])
    store.gets.clear()

    resumed = MerkleTree(store, frontier=writer.frontier)
    resumed.extend(LEAVES[100:])

    assert store.gets == []
    assert resumed.root() == roots[N]
    with pytest.raises(TreeSizeError):
        MerkleTree(store, frontier=writer.frontier[:-1])
