"""RFC 9162 §2.1.1 hashing: domain-separated leaf and interior hashes, and the empty tree's root."""

import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf): the hash of one log entry."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The RFC's k: the largest power of two smaller than `size` (which must be at least 2)."""
    return 1 << ((size - 1).bit_length() - 1)
