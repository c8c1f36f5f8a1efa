"""The append-only RFC 9162 Merkle tree over a NodeStore.

Appends cost O(log n) hashes and writes. Roots and proofs for any past size read O(log n)
stored nodes: a proof has at most one element that is not a perfect subtree.
"""

import hashlib
from collections.abc import Iterable, Sequence

from shared.merkle.errors import TreeSizeError
from shared.merkle.hashing import EMPTY_ROOT, leaf_hash, node_hash
from shared.merkle.proofs import LeafRange, consistency_ranges, inclusion_ranges
from shared.merkle.store import NodeId, NodeStore


class MerkleTree:
    """An append-only Merkle tree whose nodes live in `store`.

    Only one MerkleTree may append to a store at a time: the size is read at construction,
    the frontier (the roots of the perfect subtrees that make up the current tree) at the
    first append or current root, and both are then kept up to date in memory. A tree that
    only serves proofs of past sizes never reads the frontier.
    """

    def __init__(self, store: NodeStore, *, frontier: Sequence[bytes] | None = None) -> None:
        """`frontier`: the right edge as `frontier` gave it when the store last had its current
        size, kept by a caller that appends again; it spares the read."""
        self._store = store
        self._size = store.leaf_count()
        if frontier is not None and len(frontier) != self._size.bit_count():
            raise TreeSizeError(
                f"a tree of {self._size} leaves has no right edge of {len(frontier)}"
            )
        self._known_frontier = None if frontier is None else list(frontier)

    @property
    def size(self) -> int:
        return self._size

    @property
    def frontier(self) -> tuple[bytes, ...]:
        """The roots of the perfect subtrees that make up the tree, largest first."""
        return tuple(self._frontier())

    def append(self, leaf: bytes) -> int:
        """Adds one entry and returns its leaf index."""
        return self.extend([leaf]).start

    def extend(self, leaves: Iterable[bytes]) -> range:
        """Adds entries in order, storing their nodes in one write; returns their leaf indexes."""
        return self.extend_hashed(leaf_hash(leaf) for leaf in leaves)

    def extend_hashed(self, leaf_hashes: Iterable[bytes]) -> range:
        """`extend` for callers that hashed the entries already (`leaf_hash` of each)."""
        first = self._size
        frontier = list(self._frontier())
        nodes: list[tuple[NodeId, bytes]] = []
        size = grow(frontier, first, leaf_hashes, nodes)
        if nodes:
            self._store.put(nodes)
        self._known_frontier, self._size = frontier, size
        return range(first, size)

    def leaf_hash(self, index: int) -> bytes:
        if not 0 <= index < self._size:
            raise TreeSizeError(f"the tree has {self._size} leaves, no leaf {index}")
        return self._store.get([(0, index)])[0]

    def root(self, size: int | None = None) -> bytes:
        """The Merkle Tree Hash of the first `size` leaves (default: all of them)."""
        size = self._size if size is None else size
        self._require_size(size)
        if size == 0:
            return EMPTY_ROOT
        if size == self._size:
            return _fold(self._frontier())  # folded from the right edge, read at most once
        return self._hash_ranges([(0, size)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf `index` in the tree of `size` leaves (default: all of them)."""
        size = self._size if size is None else size
        self._require_size(size)
        return self._hash_ranges(inclusion_ranges(index, size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The proof that the tree of `new_size` leaves extends the tree of `old_size` leaves."""
        new_size = self._size if new_size is None else new_size
        self._require_size(new_size)
        return self._hash_ranges(consistency_ranges(old_size, new_size))

    def _frontier(self) -> list[bytes]:
        if self._known_frontier is None:
            self._known_frontier = self._store.get(perfect_subtrees(0, self._size))
        return self._known_frontier

    def _require_size(self, size: int) -> None:
        if not 0 <= size <= self._size:
            raise TreeSizeError(f"the tree has {self._size} leaves, not {size}")

    def _hash_ranges(self, ranges: Sequence[LeafRange]) -> list[bytes]:
        # About log2(n) ranges; all are perfect subtrees but one, which splits into at most
        # log2(n) of them. All are read in one batch.
        parts = [perfect_subtrees(start, end) for start, end in ranges]
        wanted = list(dict.fromkeys(node for nodes in parts for node in nodes))
        stored = dict(zip(wanted, self._store.get(wanted), strict=True))
        return [_fold([stored[node] for node in nodes]) for nodes in parts]


class RightEdge:
    """A tree's right edge alone: the size and root of a growing tree, and no node kept. What
    an audit needs to recompute the root at every checkpoint while the leaves stream through."""

    def __init__(self) -> None:
        self._frontier: list[bytes] = []
        self.size = 0

    def extend_hashed(self, leaf_hashes: Iterable[bytes]) -> None:
        self.size = grow(self._frontier, self.size, leaf_hashes, None)

    def root(self) -> bytes:
        return _fold(self._frontier) if self._frontier else EMPTY_ROOT


def grow(
    frontier: list[bytes],
    size: int,
    leaf_hashes: Iterable[bytes],
    nodes: list[tuple[NodeId, bytes]] | None,
) -> int:
    """Appends `leaf_hashes` to the tree of `size` leaves whose right edge is `frontier` (moved
    on in place); adds every node made, leaves included, to `nodes` unless it is None. Returns
    the new size. One tight loop: appends and audits run it once per leaf."""
    sha256 = hashlib.sha256
    for digest in leaf_hashes:
        index, size = size, size + 1
        if nodes is not None:
            nodes.append(((0, index), digest))
        level = 0
        # Each trailing 1 bit of the index completes a perfect subtree with its left sibling:
        # RFC 9162 node_hash, SHA-256(0x01 || left || right), inlined.
        while index >> level & 1:
            digest = sha256(b"\x01" + frontier.pop() + digest).digest()
            level += 1
            if nodes is not None:
                nodes.append(((level, index >> level), digest))
        frontier.append(digest)
    return size


def perfect_subtrees(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees that make up the RFC 9162 subtree of leaves [start, end), largest first.

    `start` must be a multiple of the power of two at or above `end - start`, as it is for
    every range of a proof.
    """
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise ValueError(f"leaves [{start}, {end}) are not a subtree of an RFC 9162 tree")
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of adjacent perfect subtrees, largest first, joined from the right."""
    digest = hashes[-1]
    for left in reversed(hashes[:-1]):
        digest = node_hash(left, digest)
    return digest
