"""RFC 9162 §2.1.3.2 and §2.1.4.2 proof verification: needs only the proof, hashes and sizes."""

from collections.abc import Sequence

from shared.merkle.errors import ProofError
from shared.merkle.hashing import EMPTY_ROOT, HASH_SIZE, node_hash


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raises ProofError unless `proof` shows leaf `index` hashing to `leaf_hash` in tree `root`."""
    _require_hashes(leaf_hash, root, *proof)
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    fn, sn = index, size - 1
    computed = leaf_hash
    for sibling in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            # Climb past the levels where this node has no right sibling.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if computed != root:
        raise ProofError("inclusion proof does not lead to the expected root hash")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raises ProofError unless `proof` shows tree `new_root` is tree `old_root` plus appends."""
    _require_hashes(old_root, new_root, *proof)
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency from size {old_size} to size {new_size}")
    if old_size == new_size or old_size == 0:
        # No proof needed: the trees must be the same, or the old one the empty tree.
        if proof:
            raise ProofError(f"consistency proof from size {old_size} must be empty")
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofError("old root hash is not the root of the empty tree")
        if old_size == new_size and old_root != new_root:
            raise ProofError(f"two different root hashes for the same size {old_size}")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_computed = new_computed = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            old_computed = node_hash(node, old_computed)
            new_computed = node_hash(node, new_computed)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            new_computed = node_hash(new_computed, node)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the tree is deep")
    if old_computed != old_root:
        raise ProofError("consistency proof does not lead to the old root hash")
    if new_computed != new_root:
        raise ProofError("consistency proof does not lead to the new root hash")


def _require_hashes(*hashes: bytes) -> None:
    for value in hashes:
        if len(value) != HASH_SIZE:
            raise ProofError(f"a hash of {len(value)} bytes where SHA-256 gives {HASH_SIZE}")
