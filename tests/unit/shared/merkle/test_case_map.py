"""The case map: its root is the RFC 9162 root of its sorted leaves (checked against the log's own
tree), an entry proves a case's count and head, an absence proof proves a case has no entry,
and each kind of forged proof is refused."""

import hashlib

import pytest

from shared.merkle.case_map import (
    AbsenceProof,
    CaseHead,
    CaseMap,
    CaseMapFormatError,
    CaseMapStatement,
    MapEntry,
    verify_absent,
    verify_entry,
)
from shared.merkle.errors import MerkleError, ProofError
from shared.merkle.hashing import EMPTY_ROOT
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree


def head(case_id: str, events: int = 1) -> CaseHead:
    return CaseHead(case_id, events, hashlib.sha256(f"{case_id}/{events}".encode()).digest())


def case_map(size: int) -> CaseMap:
    return CaseMap(head(f"case-{n:03d}", n % 5 + 1) for n in range(size))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13])
def test_the_root_and_every_path_are_those_of_an_rfc_9162_tree_of_the_sorted_leaves(
    size: int,
) -> None:
    mapped = case_map(size)
    ordered = sorted((f"case-{n:03d}", n % 5 + 1) for n in range(size))
    tree = MerkleTree(InMemoryNodeStore())
    tree.extend(head(case_id, events).leaf() for case_id, events in ordered)

    assert mapped.root == tree.root()
    for index, (case_id, _) in enumerate(ordered):
        entry = mapped.prove(case_id)
        assert isinstance(entry, MapEntry)
        assert (entry.index, list(entry.path)) == (index, tree.inclusion_proof(index))
        verify_entry(entry, mapped.size, mapped.root)


def test_an_entry_with_another_count_or_head_is_refused() -> None:
    mapped = case_map(6)
    entry = mapped.prove("case-003")
    assert isinstance(entry, MapEntry)
    fewer = CaseHead(entry.case.case_id, entry.case.events - 1 or 2, entry.case.head)
    other_head = CaseHead(entry.case.case_id, entry.case.events, bytes(32))

    for forged in (fewer, other_head):
        with pytest.raises(ProofError):
            verify_entry(MapEntry(forged, entry.index, entry.path), mapped.size, mapped.root)


def test_an_absent_case_is_proved_absent_between_its_neighbours_and_at_both_ends() -> None:
    mapped = CaseMap([head("b"), head("d"), head("f")])

    for case_id, neighbours in [("c", ("b", "d")), ("a", (None, "b")), ("g", ("f", None))]:
        proof = mapped.prove(case_id)
        assert isinstance(proof, AbsenceProof)
        names = tuple(e.case.case_id if e else None for e in (proof.before, proof.after))
        assert names == neighbours
        verify_absent(case_id, proof, mapped.size, mapped.root)


def test_an_absence_proof_is_refused_for_a_case_that_is_in_the_map() -> None:
    mapped = CaseMap([head("b"), head("d"), head("f")])
    around_c = mapped.prove("c")
    assert isinstance(around_c, AbsenceProof)

    with pytest.raises(ProofError, match="does not sort after"):
        verify_absent("d", around_c, mapped.size, mapped.root)  # d is the entry "after"


def test_an_absence_proof_whose_neighbours_are_not_adjacent_is_refused() -> None:
    mapped = CaseMap([head("b"), head("d"), head("f")])
    before, after = mapped.prove("b"), mapped.prove("f")
    assert isinstance(before, MapEntry)
    assert isinstance(after, MapEntry)

    with pytest.raises(ProofError, match="not adjacent"):
        verify_absent("e", AbsenceProof(before, after), mapped.size, mapped.root)  # hides d
    with pytest.raises(ProofError, match="not at the end"):
        verify_absent("a", AbsenceProof(None, after), mapped.size, mapped.root)


def test_an_empty_map_proves_every_case_absent() -> None:
    empty = CaseMap()
    proof = empty.prove("anything")

    assert empty.root == EMPTY_ROOT
    assert proof == AbsenceProof(None, None)
    verify_absent("anything", proof, 0, EMPTY_ROOT)
    with pytest.raises(ProofError):
        verify_absent("anything", proof, 3, case_map(3).root)


def test_a_map_brought_forward_equals_one_built_from_scratch() -> None:
    old = case_map(9)
    changes = [head("case-004", 7), head("case-000a", 1), head("zz", 2)]

    newer = old.with_heads(changes)
    kept = [head(f"case-{n:03d}", n % 5 + 1) for n in range(9) if n != 4]
    rebuilt = CaseMap([*kept, *changes])

    assert (newer.size, newer.root) == (11, rebuilt.root)
    assert old.root == case_map(9).root  # the old map is unchanged
    assert newer.head("case-004") == head("case-004", 7)


def test_the_statement_reads_back_and_can_never_read_as_a_checkpoint() -> None:
    statement = CaseMapStatement("caselog.example/records", 12, bytes(32), 3, EMPTY_ROOT)
    text = statement.text()

    assert CaseMapStatement.parse(text) == statement
    assert text.split("\n")[1].startswith("origin ")  # a checkpoint's second line is its size
    with pytest.raises(CaseMapFormatError):
        CaseMapStatement.parse(text.replace("size 12", "size 012"))
    with pytest.raises(MerkleError):
        CaseMapStatement.parse(text.replace("cases 3\n", ""))
