"""The per-case hash chain: `prev_hash` is the RFC 9162 leaf hash of the previous event of the
case (32 zero bytes for the first); `chain_hash` = SHA-256(0x02 || previous chain_hash || own
leaf hash). Shared because the log builds it and every bundle verifier recomputes it."""

import hashlib
from dataclasses import dataclass

from shared.merkle.hashing import leaf_hash

ZERO_HASH = bytes(32)
CHAIN_PREFIX = b"\x02"


@dataclass(frozen=True, slots=True)
class ChainLink:
    """An event's place in its case's chain; the next event of the case is linked to it."""

    case_position: int
    leaf_hash: bytes
    prev_hash: bytes
    chain_hash: bytes


def next_link(previous: ChainLink | None, leaf: bytes) -> ChainLink:
    """The link of the event with canonical bytes `leaf` that follows `previous` in its case."""
    return link_after(previous, leaf_hash(leaf))


def link_after(previous: ChainLink | None, own: bytes) -> ChainLink:
    """`next_link` for an event whose leaf hash `own` is known already."""
    if previous is None:
        return ChainLink(0, own, ZERO_HASH, _chain(ZERO_HASH, own))
    return ChainLink(
        previous.case_position + 1, own, previous.leaf_hash, _chain(previous.chain_hash, own)
    )


def link_mismatch(
    expected: ChainLink, case_position: int, prev_hash: bytes, chain_hash: bytes
) -> str:
    """Why an event's claimed chain fields are not `expected`; empty if they are."""
    if case_position != expected.case_position:
        return (
            f"case position {case_position} where {expected.case_position} comes next: "
            "an event of the case is missing or duplicated"
        )
    if prev_hash != expected.prev_hash:
        return "prev_hash is not the leaf hash of the previous event of the case"
    if chain_hash != expected.chain_hash:
        return "chain_hash does not match the event's bytes and its predecessor"
    return ""


def _chain(previous_chain_hash: bytes, own_leaf_hash: bytes) -> bytes:
    return hashlib.sha256(CHAIN_PREFIX + previous_chain_hash + own_leaf_hash).digest()
