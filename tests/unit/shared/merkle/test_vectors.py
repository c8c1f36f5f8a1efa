"""The tree against published RFC 6962 / RFC 9162 test vectors (certificate-transparency lineage).

Sources, all for the same eight leaves:
- roots, leaves and node hashes: https://github.com/transparency-dev/merkle/blob/582a6ad190b6848f1d26f8bf08ddef29955d9db1/testonly/constants.go
  (the roots were first published in https://github.com/google/certificate-transparency/blob/master/cpp/merkletree/merkle_tree_test.cc)
- proofs (0-based index): https://github.com/transparency-dev/merkle/blob/141d627eab770a7e9a2514f46a8b6338e6d90874/testonly/reference_test.go
- proofs (1-based leaf), and the corruptions tried on them: https://github.com/transparency-dev/merkle/blob/02194e9afb6c1d95b5381350007963aa70fff472/proof/verify_test.go
"""

import pytest

from shared.merkle.errors import ProofError
from shared.merkle.hashing import EMPTY_ROOT, leaf_hash
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree
from shared.merkle.verify import verify_consistency, verify_inclusion

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
          "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip

ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]  # fmt: skip

NODES = {  # NodeHashes(): level -> hashes of that level, left to right
    0: ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"],
    1: ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"],
    2: ["d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    3: ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
}  # fmt: skip

# (index, size, path): reference_test.go TestRefInclusionProof, plus verify_test.go's
# inclusionProofs {1, 8}, {6, 8}, {3, 3}, {2, 5} converted to 0-based indexes.
INCLUSION = [
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip

# (old size, new size, proof): reference_test.go TestRefConsistencyProof and
# verify_test.go consistencyProofs.
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


@pytest.fixture(scope="module")
def store() -> InMemoryNodeStore:
    store = InMemoryNodeStore()
    MerkleTree(store).extend(LEAVES)
    return store


@pytest.fixture
def tree(store: InMemoryNodeStore) -> MerkleTree:
    return MerkleTree(store)


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert ROOTS[0] == EMPTY_ROOT
    assert MerkleTree(InMemoryNodeStore()).root() == ROOTS[0]


def test_roots_of_every_size_match_the_published_ones(tree: MerkleTree) -> None:
    assert [tree.root(size) for size in range(9)] == ROOTS


def test_roots_grow_with_each_append_as_published() -> None:
    tree = MerkleTree(InMemoryNodeStore())
    for size, leaf in enumerate(LEAVES, start=1):
        tree.append(leaf)
        assert tree.root() == ROOTS[size]


def test_stored_nodes_are_the_published_perfect_subtree_hashes(store: InMemoryNodeStore) -> None:
    for level, hashes in NODES.items():
        ids = [(level, index) for index in range(len(hashes))]
        assert [h.hex() for h in store.get(ids)] == hashes


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_and_verify(
    tree: MerkleTree, index: int, size: int, path: list[str]
) -> None:
    proof = tree.inclusion_proof(index, size)
    assert [h.hex() for h in proof] == path
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_and_verify(
    tree: MerkleTree, old: int, new: int, path: list[str]
) -> None:
    proof = tree.consistency_proof(old, new)
    assert [h.hex() for h in proof] == path
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize(("index", "size", "path"), [v for v in INCLUSION if v[1] > 1])
def test_corrupted_published_inclusion_proofs_fail(index: int, size: int, path: list[str]) -> None:
    proof = [bytes.fromhex(h) for h in path]
    leaf, root = leaf_hash(LEAVES[index]), ROOTS[size]
    probes = [
        (index - 1, size, leaf, root, proof),
        (index + 1, size, leaf, root, proof),
        (index ^ 2, size, leaf, root, proof),
        (index, size * 2, leaf, root, proof),
        (index, size // 2, leaf, root, proof),
        (index, size, leaf_hash(b"WrongLeaf"), root, proof),
        (index, size, leaf, EMPTY_ROOT, proof),
        (index, size, leaf, SOME_HASH, proof),
        (index, size, leaf, root, [*proof, b""]),
        (index, size, leaf, root, [*proof, root]),
        (index, size, leaf, root, [b"", *proof]),
        (index, size, leaf, root, [root, *proof]),
        (index, size, leaf, root, proof[:-1]),
        (index, size, leaf, root, [proof[0], SOME_HASH, *proof[1:]]),
    ]
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        probes.append((index, size, leaf, root, [*proof[:i], flipped, *proof[i + 1 :]]))
    for probe_index, probe_size, probe_leaf, probe_root, probe_proof in probes:
        with pytest.raises(ProofError):
            verify_inclusion(probe_leaf, probe_index, probe_size, probe_proof, probe_root)


@pytest.mark.parametrize(("old", "new", "path"), [v for v in CONSISTENCY if v[2]])
def test_corrupted_published_consistency_proofs_fail(old: int, new: int, path: list[str]) -> None:
    proof = [bytes.fromhex(h) for h in path]
    old_root, new_root = ROOTS[old], ROOTS[new]
    probes = [
        (old - 1, new, old_root, new_root, proof),
        (old + 1, new, old_root, new_root, proof),
        (old ^ 2, new, old_root, new_root, proof),
        (old, new * 2, old_root, new_root, proof),
        (old, new // 2, old_root, new_root, proof),
        (old, new, SOME_HASH, new_root, proof),
        (old, new, old_root, SOME_HASH, proof),
        (old, new, new_root, old_root, proof),
        (old, new, old_root, new_root, []),
        (old, new, old_root, new_root, [*proof, b""]),
        (old, new, old_root, new_root, [*proof, old_root]),
        (old, new, old_root, new_root, [*proof, new_root]),
        (old, new, old_root, new_root, [b"", *proof]),
        (old, new, old_root, new_root, [old_root, *proof]),
        (old, new, old_root, new_root, [new_root, *proof]),
        (old, new, old_root, new_root, [proof[0], *proof]),
        (old, new, old_root, new_root, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        probes.append((old, new, old_root, new_root, [*proof[:i], flipped, *proof[i + 1 :]]))
    for probe in probes:
        with pytest.raises(ProofError):
            verify_consistency(*probe)
