"""Signed notes and note keys against the golang.org/x/mod/sumdb/note test vectors.

Vectors: https://github.com/golang/mod/blob/02c991387e35f9e4c0a9b7ce137717055f8d716d/sumdb/note/note_test.go
(TestNewVerifier, TestNewSigner, TestSign, TestOpen).
"""

import pytest

from shared.merkle.errors import (
    KeyFormatError,
    MalformedNoteError,
    NoteError,
    SignatureError,
    UnverifiedNoteError,
)
from shared.merkle.keys import NoteSigner, NoteVerifier, key_id
from shared.merkle.note import NoteSignature, open_note, parse_note, sign_note

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_B64 = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
ENOCH_B64 = (
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="
)
PETER_SIG = f"\u2014 PeterNeumann {PETER_B64}\n"
ENOCH_SIG = f"\u2014 EnochRoot {ENOCH_B64}\n"

PETER = NoteVerifier.parse(PETER_VKEY)
ENOCH = NoteVerifier.parse(ENOCH_VKEY)


def test_published_keys_load_and_round_trip() -> None:
    signer = NoteSigner.parse(PETER_SKEY)
    assert (signer.name, signer.key_id) == ("PeterNeumann", 0xC74F20A3)
    assert signer.key_string() == PETER_SKEY
    assert signer.verifier == PETER
    assert PETER.key_string() == PETER_VKEY
    assert key_id("PeterNeumann", PETER.public_key) == 0xC74F20A3
    assert "AYEKF" not in repr(signer)


def test_signing_reproduces_the_published_note() -> None:
    assert sign_note(TEXT, [NoteSigner.parse(PETER_SKEY)]) == TEXT + "\n" + PETER_SIG


@pytest.mark.parametrize("key", [PETER_VKEY, PETER_SKEY])
def test_every_truncation_and_byte_change_of_a_key_is_refused(key: str) -> None:
    parse = NoteVerifier.parse if key == PETER_VKEY else NoteSigner.parse
    mangled = {key[i:j] for i in range(len(key) + 1) for j in range(i + 1, len(key) + 1)}
    mangled |= {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
    mangled.discard(key)
    for text in mangled:
        with pytest.raises(KeyFormatError):
            parse(text)


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
    ids=["wrong-length", "unknown-algorithm", "space-in-name"],
)
def test_keys_of_the_wrong_shape_are_refused(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        NoteVerifier.parse(vkey)


def test_a_generated_key_signs_what_its_verifier_accepts() -> None:
    signer = NoteSigner.parse(NoteSigner.generate("caselog.example/records").key_string())
    verifier = NoteVerifier.parse(signer.verifier.key_string())
    note = sign_note("hello\n", [signer])
    assert open_note(note, [verifier]).text == "hello\n"
    assert open_note(note.encode(), [verifier]).verified[0].name == "caselog.example/records"


def test_opening_verifies_known_keys_and_sets_unknown_ones_aside() -> None:
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    peter = NoteSignature("PeterNeumann", 0xC74F20A3, parse_note(note).signatures[0].signature)
    opened = open_note(note, [PETER])
    assert opened.text == TEXT
    assert opened.verified == (peter,)
    assert [s.name for s in opened.unknown] == ["EnochRoot"]
    both = open_note(note, [PETER, ENOCH, ENOCH])
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]
    assert both.unknown == ()


def test_a_note_without_a_trusted_signature_is_refused() -> None:
    with pytest.raises(UnverifiedNoteError, match="PeterNeumann\\+c74f20a3"):
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    with pytest.raises(UnverifiedNoteError):
        open_note(TEXT + "\n" + ENOCH_SIG, [PETER])


def test_a_bad_signature_by_a_known_key_refuses_the_whole_note() -> None:
    forged = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(SignatureError, match="PeterNeumann\\+c74f20a3"):
        open_note(TEXT + "\n" + forged, [PETER])
    # Unknown keys are never checked, so the same damage there is ignored.
    forged_enoch = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    opened = open_note(TEXT + "\n" + PETER_SIG * 2 + ENOCH_SIG * 2 + forged_enoch, [PETER])
    assert len(opened.verified) == 1
    assert len(opened.unknown) == 2


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        b"\xff" + (TEXT + "\n" + PETER_SIG).encode(),
        TEXT + "\n" + f"\u2014 Bad Name {PETER_B64}",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * 101,
        TEXT + "\n" + PETER_SIG.replace("=\n", "\n"),
        TEXT + "\n" + "\u2014 PeterNeumann AAAA\n",
    ],
    ids=lambda note: repr(note)[:20],
)
def test_malformed_notes_are_refused(note: str | bytes) -> None:
    with pytest.raises(MalformedNoteError):
        open_note(note, [PETER])


def test_changing_any_byte_of_a_signed_note_breaks_it() -> None:
    signed = sign_note(TEXT, [NoteSigner.parse(PETER_SKEY)]).encode()
    for i in range(len(signed)):
        tampered = signed[:i] + bytes([signed[i] ^ 0x01]) + signed[i + 1 :]
        with pytest.raises(NoteError):
            open_note(tampered, [PETER])


def test_text_that_cannot_be_a_note_is_not_signed() -> None:
    signer = NoteSigner.parse(PETER_SKEY)
    for text in ("", "abc", "tab\there\n", "carriage\r\n"):
        with pytest.raises(MalformedNoteError):
            sign_note(text, [signer])
    with pytest.raises(NoteError):
        sign_note(TEXT, [])
