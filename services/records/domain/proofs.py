"""Inclusion and consistency proofs as the log hands them out, with what a verifier needs."""

from dataclasses import dataclass


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 audit path of the event at leaf `index` in the tree of `size` leaves.

    `leaf_hash` is computed from the stored bytes; a verifier holding the event recomputes it.
    """

    event_id: str
    index: int
    size: int
    leaf_hash: bytes
    hashes: tuple[bytes, ...]


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 proof that the tree of `new_size` leaves extends the tree of `old_size`."""

    old_size: int
    new_size: int
    hashes: tuple[bytes, ...]
