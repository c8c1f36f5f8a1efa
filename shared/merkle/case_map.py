"""The case map: for every case, how many events the log held at a tree size and the head of
the case's hash chain then, as an RFC 9162 Merkle tree over one leaf per case sorted by case id
(docs/decisions/0026-case-completeness-map.md). The log's key signs the map's root beside each
checkpoint, in a note of its own (`CaseMapStatement`), so the checkpoint the witnesses cosign
keeps the plain C2SP tlog-checkpoint form.

An entry and its audit path prove that the case had exactly `events` events at that size,
ending at `head`; two adjacent entries around an id (or one at an end of the map) prove that
the case had none. Ids are ordered by their UTF-8 bytes, as a verifier in any language can
(Python's order of str is code point order, which is the same).
"""

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from shared.merkle import encoding
from shared.merkle.errors import MerkleError, ProofError
from shared.merkle.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from shared.merkle.verify import verify_inclusion

LEAF_LABEL = b"caselog.case-map.v1\x00"
"""Starts every map leaf, so no event envelope (JSON) can be read as one."""
STATEMENT_HEADER = "caselog case map v1"
"""The statement note's first line: it can never read as a checkpoint (whose second line is a
size), so the signature on it cannot be passed off as a checkpoint signature."""


class CaseMapFormatError(MerkleError):
    """A case map statement whose text is not the layout of `CaseMapStatement.text`."""


@dataclass(frozen=True, slots=True)
class CaseHead:
    """A case at a tree size: its event count and the chain hash of its last event."""

    case_id: str
    events: int
    head: bytes

    def leaf(self) -> bytes:
        """LEAF_LABEL || u16 id length || id (UTF-8) || u64 events || 32-byte head."""
        key = self.case_id.encode("utf-8")
        if not key or len(key) > 0xFFFF or self.events < 1 or len(self.head) != HASH_SIZE:
            raise CaseMapFormatError("a map entry needs an id, one event or more, a 32-byte head")
        return (
            LEAF_LABEL
            + len(key).to_bytes(2, "big")
            + key
            + self.events.to_bytes(8, "big")
            + self.head
        )


@dataclass(frozen=True, slots=True)
class MapEntry:
    """A case's leaf at `index` of the map, with its RFC 9162 audit path."""

    case: CaseHead
    index: int
    path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class AbsenceProof:
    """The entries either side of where an id would stand (None past an end of the map)."""

    before: MapEntry | None
    after: MapEntry | None


class CaseMap:
    """The map at one tree size. Immutable: `with_heads` gives the map after more events,
    hashing again only the leaves of the cases that changed; the interior nodes (one per
    case) are hashed once per map, when a root or a proof is first asked for."""

    def __init__(self, heads: Iterable[CaseHead] = ()) -> None:
        self._heads = {head.case_id: head for head in heads}
        self._leaves = {case_id: leaf_hash(head.leaf()) for case_id, head in self._heads.items()}
        self._ids = sorted(self._heads)
        self._levels: list[list[bytes]] | None = None

    def with_heads(self, heads: Iterable[CaseHead]) -> "CaseMap":
        """This map with `heads` replacing (or adding) the entries of their cases."""
        changed = {head.case_id: head for head in heads}
        successor = CaseMap()
        successor._heads = self._heads | changed
        successor._leaves = self._leaves | {
            case_id: leaf_hash(head.leaf()) for case_id, head in changed.items()
        }
        added = [case_id for case_id in changed if case_id not in self._heads]
        # Mostly sorted already: Timsort merges the new ids in about linear time.
        successor._ids = sorted(self._ids + added) if added else self._ids
        return successor

    @property
    def size(self) -> int:
        return len(self._ids)

    @property
    def root(self) -> bytes:
        """The RFC 9162 Merkle Tree Hash of the leaves in id order."""
        levels = self._tree()
        return levels[-1][0] if self._ids else EMPTY_ROOT

    def head(self, case_id: str) -> CaseHead | None:
        return self._heads.get(case_id)

    def prove(self, case_id: str) -> MapEntry | AbsenceProof:
        """The case's entry, or the proof that the map holds none for it."""
        at = bisect.bisect_left(self._ids, case_id)
        if at < len(self._ids) and self._ids[at] == case_id:
            return self._entry(at)
        return AbsenceProof(
            self._entry(at - 1) if at > 0 else None,
            self._entry(at) if at < len(self._ids) else None,
        )

    def _entry(self, index: int) -> MapEntry:
        path: list[bytes] = []
        position = index
        for level in self._tree()[:-1]:
            sibling = position ^ 1
            if sibling < len(level):  # an odd last node is carried up unhashed (RFC 9162)
                path.append(level[sibling])
            position >>= 1
        return MapEntry(self._heads[self._ids[index]], index, tuple(path))

    def _tree(self) -> list[list[bytes]]:
        """Every level of the tree, leaves first; pairing left to right and carrying an odd
        last node up gives the same root and paths as RFC 9162's largest-power-of-two split."""
        if self._levels is None:
            level = [self._leaves[case_id] for case_id in self._ids]
            levels = [level]
            while len(level) > 1:
                level = [
                    node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                    for i in range(0, len(level), 2)
                ]
                levels.append(level)
            self._levels = levels
        return self._levels


def verify_entry(entry: MapEntry, map_size: int, map_root: bytes) -> None:
    """ProofError unless `entry` is the map's leaf at its index (RFC 9162 §2.1.3.2)."""
    verify_inclusion(leaf_hash(entry.case.leaf()), entry.index, map_size, entry.path, map_root)


def verify_absent(case_id: str, proof: AbsenceProof, map_size: int, map_root: bytes) -> None:
    """ProofError unless the proof's entries are adjacent leaves of the map with `case_id`
    between them in order (or the map's first or last leaf, or the map is empty)."""
    before, after = proof.before, proof.after
    if before is None and after is None:
        if map_size != 0 or map_root != EMPTY_ROOT:
            raise ProofError("an absence proof with no entries is for an empty map only")
        return
    if before is not None:
        verify_entry(before, map_size, map_root)
        if not before.case.case_id < case_id:
            raise ProofError("the entry before the id does not sort before it")
    if after is not None:
        verify_entry(after, map_size, map_root)
        if not case_id < after.case.case_id:
            raise ProofError("the entry after the id does not sort after it")
    if before is None:
        if after is not None and after.index != 0:
            raise ProofError("an entry at an end of the proof is not at the end of the map")
    elif after is None:
        if before.index != map_size - 1:
            raise ProofError("an entry at an end of the proof is not at the end of the map")
    elif after.index != before.index + 1:
        raise ProofError("the entries either side of the id are not adjacent in the map")


@dataclass(frozen=True, slots=True)
class CaseMapStatement:
    """What the log's key signs beside the checkpoint of `tree_size`: the map of that size.
    It names the checkpoint's root, so it cannot be moved to another log or another size."""

    origin: str
    tree_size: int
    tree_root: bytes
    cases: int
    map_root: bytes

    def text(self) -> str:
        lines = [
            STATEMENT_HEADER,
            f"origin {self.origin}",
            f"size {self.tree_size}",
            f"root {encoding.encode(self.tree_root)}",
            f"cases {self.cases}",
            f"map {encoding.encode(self.map_root)}",
        ]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> "CaseMapStatement":
        lines = text.split("\n")
        labels = ("origin", "size", "root", "cases", "map")
        if len(lines) != 7 or lines[0] != STATEMENT_HEADER or lines[-1] != "":
            raise CaseMapFormatError(f"a case map statement is {STATEMENT_HEADER!r} and 5 lines")
        values: list[str] = []
        for label, line in zip(labels, lines[1:6], strict=True):
            name, _, value = line.partition(" ")
            if name != label or not value:
                raise CaseMapFormatError(f"the case map statement has no {label} line")
            values.append(value)
        origin, size, root, cases, map_root = values
        try:
            return cls(origin, _count(size), _hash(root), _count(cases), _hash(map_root))
        except ValueError:
            raise CaseMapFormatError(
                "the case map statement has a malformed number or hash"
            ) from None


def _count(text: str) -> int:
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")):
        raise ValueError(text)
    return int(text)


def _hash(text: str) -> bytes:
    digest = encoding.decode(text)
    if len(digest) != HASH_SIZE:
        raise ValueError(text)
    return digest
