"""Checkpoints: format, signing, and verification by an independent reader of the C2SP specs.

Specs (the example checkpoint below is tlog-checkpoint.md's):
https://github.com/C2SP/C2SP/blob/2793893976c835db049c194d8f2c4f946dcb70ba/tlog-checkpoint.md
https://github.com/C2SP/C2SP/blob/055287621bf3cd13ff4394418a3e8efc2d5e8ed7/signed-note.md
Real-world vector: a sum.golang.org checkpoint and the Go checksum database's public key,
from TestSumDBNoteParsing in
https://github.com/google/trillian-examples/blob/1a7fe1859fefb0c360641ae343db18b7c864f4e0/formats/log/note_test.go
"""

import base64
import hashlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.merkle.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from shared.merkle.errors import CheckpointError, NoteError, UnverifiedNoteError
from shared.merkle.keys import NoteSigner, NoteVerifier
from shared.merkle.note import parse_note, sign_note
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree

SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_CHECKPOINT = (
    "go.sum database tree\n"
    "6476701\n"
    "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n"
    "\n"
    "\u2014 sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4"
    "nPRYfvimWEPWL+o3GeoWwOoAw=\n"
)
# The example in tlog-checkpoint.md; its key is not published, so it can only be parsed.
SPEC_EXAMPLE = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)
ORIGIN = "caselog.example/records"
SIGNER = NoteSigner.generate(ORIGIN)


class RejectedError(Exception):
    """The independent verifier does not accept the checkpoint."""


def independent_open(note: bytes, vkey: str) -> tuple[str, int, bytes]:
    """Checks a checkpoint the way an outsider would, from the spec text alone.

    Uses only the standard library and `cryptography`, never shared.merkle; returns
    (origin, size, root hash) or raises RejectedError.
    """
    try:
        return _independent_open(note, vkey)
    except (ValueError, IndexError) as error:  # undecodable text, base64, too few lines
        raise RejectedError(str(error)) from error


def _independent_open(note: bytes, vkey: str) -> tuple[str, int, bytes]:
    name, key_hash, key_b64 = vkey.split("+", 2)
    key = base64.b64decode(key_b64, validate=True)
    key_id = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    if key[0] != 1 or len(key) != 33 or key_id.hex() != key_hash:
        raise RejectedError("bad verifier key")
    text = note.decode("utf-8")
    split = text.rindex("\n\n")
    body, signatures = text[: split + 1], text[split + 2 :]
    if not signatures.endswith("\n") or any(c < " " and c != "\n" for c in text):
        raise RejectedError("not a signed note")
    verified = False
    for line in signatures[:-1].split("\n"):
        dash, signer, blob = line.split(" ")
        raw = base64.b64decode(blob, validate=True)
        if dash != "\u2014" or base64.b64encode(raw).decode() != blob:
            raise RejectedError("bad signature line")
        if signer == name and raw[:4] == key_id:
            try:
                Ed25519PublicKey.from_public_bytes(key[1:]).verify(raw[4:], body.encode())
            except InvalidSignature:
                raise RejectedError("bad signature") from None
            verified = True
    if not verified:
        raise RejectedError("no signature by the key")
    origin, size, root = body.split("\n")[:3]
    if not size.isascii() or not size.isdigit() or (size.startswith("0") and size != "0"):
        raise RejectedError("bad size")
    root_hash = base64.b64decode(root, validate=True)
    if len(root_hash) != 32:
        raise RejectedError("bad root hash")
    return origin, int(size), root_hash


def test_the_body_is_origin_size_and_base64_root_on_their_own_lines() -> None:
    checkpoint = Checkpoint(ORIGIN, 5, bytes(range(32)), ("extra one",))
    assert checkpoint.body() == (
        f"{ORIGIN}\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nextra one\n"
    )
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


def test_a_signed_tree_head_passes_the_independent_verifier() -> None:
    tree = MerkleTree(InMemoryNodeStore())
    tree.extend(f"event {i}".encode() for i in range(1000))
    note = sign_checkpoint(Checkpoint(ORIGIN, tree.size, tree.root()), [SIGNER])
    vkey = SIGNER.verifier.key_string()
    assert independent_open(note.encode(), vkey) == (ORIGIN, 1000, tree.root())
    opened = open_checkpoint(note, [NoteVerifier.parse(vkey)], origin=ORIGIN)
    assert (opened.size, opened.root_hash) == (1000, tree.root())


def test_a_published_sum_golang_org_checkpoint_verifies_both_ways() -> None:
    expected_root = base64.b64decode("mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=")
    verifier = NoteVerifier.parse(SUMDB_VKEY)
    checkpoint = open_checkpoint(
        SUMDB_CHECKPOINT, [verifier], origin="go.sum database tree", log_key_name="sum.golang.org"
    )
    assert checkpoint == Checkpoint("go.sum database tree", 6476701, expected_root)
    assert independent_open(SUMDB_CHECKPOINT.encode(), SUMDB_VKEY) == (
        "go.sum database tree",
        6476701,
        expected_root,
    )
    with pytest.raises(CheckpointError):
        open_checkpoint(
            SUMDB_CHECKPOINT, [verifier], origin="Go rocks but I might have the wrong ID"
        )
    with pytest.raises(CheckpointError, match=r"named 'go\.sum database tree'"):
        open_checkpoint(SUMDB_CHECKPOINT, [verifier], origin="go.sum database tree")


def test_a_checkpoint_is_signed_by_the_key_named_by_its_origin() -> None:
    # The attack: a key of another log (or of a witness) that the verifier trusts signs our
    # origin's tree head; and a log that signs with a key named otherwise.
    other_log = NoteSigner.generate("other.example/log")
    root = hashlib.sha256(b"x").digest()
    with pytest.raises(CheckpointError, match="not by the origin"):
        sign_checkpoint(Checkpoint(ORIGIN, 7, root), [other_log])
    forged = sign_note(Checkpoint(ORIGIN, 7, root).body(), [other_log])

    with pytest.raises(CheckpointError, match="no trusted key named"):
        open_checkpoint(forged, [SIGNER.verifier, other_log.verifier], origin=ORIGIN)
    cosigned = sign_checkpoint(Checkpoint(ORIGIN, 7, root), [SIGNER, other_log])
    assert open_checkpoint(cosigned, [other_log.verifier, SIGNER.verifier]).size == 7


def test_the_spec_example_parses_but_trusts_no_one_it_does_not_know() -> None:
    checkpoint = Checkpoint.parse(parse_note(SPEC_EXAMPLE).text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    with pytest.raises(UnverifiedNoteError):
        open_checkpoint(SPEC_EXAMPLE, [SIGNER.verifier])


def test_changing_one_byte_of_body_or_signature_fails_both_verifiers() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 7, hashlib.sha256(b"x").digest()), [SIGNER]).encode()
    vkey = SIGNER.verifier.key_string()
    for i in range(len(note)):
        tampered = note[:i] + bytes([note[i] ^ 0x02]) + note[i + 1 :]
        with pytest.raises(NoteError):
            open_checkpoint(tampered, [SIGNER.verifier])
        with pytest.raises(RejectedError):
            independent_open(tampered, vkey)


@pytest.mark.parametrize(
    "body",
    [
        "origin\n5\n",
        "origin\n05\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "origin\n+5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "origin\n1_0\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "origin\n\u0665\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "origin\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
        "origin\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
        "origin\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\nextension\n",
        "\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "origin\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ],
)
def test_bodies_that_are_not_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse(body)


def test_a_signed_note_that_is_not_a_checkpoint_is_refused() -> None:
    note = sign_note("if this is a valid checkpoint then I'll eat my hat\n", [SIGNER])
    with pytest.raises(CheckpointError):
        open_checkpoint(note, [SIGNER.verifier])
