"""Where a Merkle tree keeps its nodes: hashes of perfect subtrees addressed by (level, index)."""

from collections.abc import Sequence
from typing import Protocol

from shared.merkle.errors import MissingNodeError, NodeConflictError

NodeId = tuple[int, int]
"""(level, index): the perfect subtree over leaves [index * 2**level, (index + 1) * 2**level).

A plain tuple, not a class: proofs hash many of them, and tuples hash fast.
"""


class NodeStore(Protocol):
    """Durable home of a tree's nodes; a database table of (level, index, hash) fits it.

    Nodes are only ever added: level 0 holds the leaf hashes, and a node at level L > 0
    is written as soon as its two children exist, so every perfect subtree of every
    past tree size stays readable.
    """

    def leaf_count(self) -> int:
        """How many leaves are stored, i.e. the current tree size."""
        ...

    def get(self, ids: Sequence[NodeId]) -> list[bytes]:
        """The hashes of `ids`, in order, in one read; raises MissingNodeError if one is absent."""
        ...

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        """Adds the nodes of one append, all or none; raises NodeConflictError on a rewrite."""
        ...


class InMemoryNodeStore:
    """A NodeStore in lists, one per level; it refuses gaps and rewrites like a real table would."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []

    def leaf_count(self) -> int:
        return len(self._levels[0]) if self._levels else 0

    def get(self, ids: Sequence[NodeId]) -> list[bytes]:
        levels, hashes = self._levels, []
        for level, index in ids:
            if not (0 <= level < len(levels) and 0 <= index < len(levels[level])):
                raise MissingNodeError(f"node store has no node {(level, index)}")
            hashes.append(levels[level][index])
        return hashes

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        lengths = [len(level) for level in self._levels]
        pending: dict[NodeId, bytes] = {}
        for node, digest in nodes:
            level, index = node
            if level < 0 or index < 0:
                raise NodeConflictError(f"{node} is not a node")
            lengths.extend([0] * (level + 1 - len(lengths)))
            if index < lengths[level]:
                known = pending[node] if node in pending else self._levels[level][index]
                if known != digest:
                    raise NodeConflictError(f"node {node} is already stored")
                continue
            if index != lengths[level]:
                raise NodeConflictError(f"node {node} would leave a gap")
            lengths[level] += 1
            pending[node] = digest
        # Everything was checked before anything changed, so a refused batch leaves no trace.
        self._levels.extend([] for _ in range(len(lengths) - len(self._levels)))
        for node, digest in pending.items():
            self._levels[node[0]].append(digest)
