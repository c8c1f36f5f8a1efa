"""Which subtrees make up an RFC 9162 inclusion or consistency proof, as leaf ranges; no hashing.

Keeping the shape of a proof apart from where hashes come from lets a node store fetch
every node a proof needs in one read.
"""

from shared.merkle.errors import TreeSizeError
from shared.merkle.hashing import split_point

LeafRange = tuple[int, int]
"""Leaves [start, end) of a subtree; the proof element is the Merkle Tree Hash of that range."""


def inclusion_ranges(index: int, size: int) -> list[LeafRange]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, the leaf's sibling first."""
    if not 0 <= index < size:
        raise TreeSizeError(f"leaf index {index} is not in a tree of size {size}")
    path: list[LeafRange] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + split_point(end - start)
        if index < middle:
            path.append((middle, end))
            end = middle
        else:
            path.append((start, middle))
            start = middle
    path.reverse()
    return path


def consistency_ranges(old_size: int, new_size: int) -> list[LeafRange]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1; empty if old_size is 0 or new_size."""
    if not 0 <= old_size <= new_size:
        raise TreeSizeError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    proof: list[LeafRange] = []
    start, end = 0, new_size
    # The RFC's flag b: while true, the old tree's root is the subtree we are in.
    old_root_is_subtree = True
    while old_size != end:
        middle = start + split_point(end - start)
        if old_size <= middle:
            proof.append((middle, end))
            end = middle
        else:
            proof.append((start, middle))
            start = middle
            old_root_is_subtree = False
    if not old_root_is_subtree:
        proof.append((start, end))
    proof.reverse()
    return proof
