"""Ed25519 note keys: C2SP signed-note key IDs and the key strings of Go's sumdb/note package."""

import hashlib
import re
from dataclasses import dataclass, field
from typing import Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.merkle import encoding
from shared.merkle.errors import KeyFormatError

ED25519 = b"\x01"
"""The signed-note signature type byte of Ed25519."""

_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


def key_id(name: str, public_key: bytes, signature_type: bytes = ED25519) -> int:
    """First four bytes, big-endian, of SHA-256(name || 0x0A || type || 32-byte public key);
    the type is 0x01 for a log's Ed25519 key, 0x04 for a witness's cosignature key."""
    digest = hashlib.sha256(name.encode() + b"\n" + signature_type + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def is_valid_key_name(name: str) -> bool:
    """Non-empty, and free of Unicode spaces, '+' and control characters."""
    # isprintable() rules out control characters and every Unicode space but U+0020.
    return bool(name) and "+" not in name and " " not in name and name.isprintable()


@dataclass(frozen=True)
class Ed25519Verifier:
    """A named Ed25519 public key of one signed-note signature type, in the vkey form
    `<name>+<hex key ID>+<base64(type || public key)>`: a log's note key (0x01) or a
    witness's cosignature key (tlog-cosignature, 0x04)."""

    SIGNATURE_TYPE = ED25519

    name: str
    public_key: bytes
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not is_valid_key_name(self.name):
            raise KeyFormatError("a key name must be non-empty, without spaces or '+'")
        if len(self.public_key) != 32:
            raise KeyFormatError(f"key {self.name} is not a 32-byte Ed25519 public key")
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key, self.SIGNATURE_TYPE)

    @classmethod
    def parse(cls, vkey: str) -> Self:
        """Reads `<name>+<hex key ID>+<base64(type || public key)>`."""
        name, hex_id, key = _split(vkey, 3, "verifier")
        return cls(name, _check_key(name, hex_id, key, public=True, kind=cls.SIGNATURE_TYPE))

    def key_string(self) -> str:
        blob = encoding.encode(self.SIGNATURE_TYPE + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{blob}"


@dataclass(frozen=True)
class NoteVerifier(Ed25519Verifier):
    """The public half of a note key: checks signatures made by the NoteSigner of the same name."""

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class NoteSigner:
    """A named Ed25519 private key that signs notes; its `verifier` is what others trust."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.verifier = NoteVerifier(name, private_key.public_key().public_bytes_raw())
        self._private_key = private_key

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    @classmethod
    def generate(cls, name: str) -> "NoteSigner":
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, skey: str) -> "NoteSigner":
        """Reads `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || 32-byte seed)>`."""
        private, key_word, name, hex_id, key = _split(skey, 5, "signer")
        if (private, key_word) != ("PRIVATE", "KEY"):
            raise KeyFormatError("a signer key starts with PRIVATE+KEY+")
        seed = _check_key(name, hex_id, key, public=False)
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        if signer.key_id != int(hex_id, 16):
            raise KeyFormatError(f"signer key {name}: key ID does not match the key")
        return signer

    def key_string(self) -> str:
        """The PRIVATE+KEY form; a secret, to be kept like the private key itself."""
        seed = ED25519 + self._private_key.private_bytes_raw()
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{encoding.encode(seed)}"

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)

    def __repr__(self) -> str:
        return f"NoteSigner(name={self.name!r}, key_id={self.key_id:08x})"


def _split(text: str, fields: int, kind: str) -> list[str]:
    # The base64 key may itself contain '+', so only the leading separators count.
    parts = text.split("+", fields - 1)
    if len(parts) != fields:
        raise KeyFormatError(f"malformed {kind} key")
    return parts


def _check_key(name: str, hex_id: str, key: str, *, public: bool, kind: bytes = ED25519) -> bytes:
    role = "verifier" if public else "signer"
    if not is_valid_key_name(name) or not _KEY_ID.fullmatch(hex_id):
        raise KeyFormatError(f"malformed {role} key")
    try:
        raw = encoding.decode(key)
    except ValueError:
        raise KeyFormatError(f"{role} key {name}: key is not base64") from None
    if len(raw) != 33 or raw[:1] != kind:
        raise KeyFormatError(f"{role} key {name}: not an Ed25519 key of this signature type")
    if public and key_id(name, raw[1:], kind) != int(hex_id, 16):
        raise KeyFormatError(f"verifier key {name}: key ID does not match the key")
    return raw[1:]
