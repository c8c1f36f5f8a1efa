"""The v2 ciphertext: every personal field of one field class in one event, sealed in ONE
AES-GCM operation (docs/decisions/0031-one-seal-per-field-class.md).

The fields' JSON plaintexts are joined in plan order and encrypted once. AES-GCM's ciphertext
is as long as its plaintext, so it splits back into one slice per field, and each field keeps
its own slice where its plaintext stood: the payload's shape is as in v1, a reveal still
swaps one field's ciphertext for its text, and the hash of a field's stored ciphertext still
covers exactly that field's bytes (decision 0025). The class's first field also carries the
key id, the nonce and the tag:

    first field   {"enc": "v2", "kid": ..., "nonce": b64, "tag": b64,
                   "paths": [every field's path, in order], "ct": b64 of its slice}
    other fields  {"enc": "v2", "ct": b64 of its slice}

The associated data binds the case, the event, the class, the key id and every field's path
with its slice length, in order: a slice moved to another field, event or class, two slices
swapped, one left out or one cut at another boundary, and the class no longer opens.
"""

import binascii
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from cryptography.exceptions import InvalidTag
from pydantic import BaseModel, ConfigDict

from shared.crypto.ciphertext import Ciphertext, b64
from shared.crypto.data_key import NONCE_BYTES, DataKey
from shared.crypto.errors import CiphertextError
from shared.crypto.fields import FieldClass

VERSION = "v2"
TAG_BYTES = 16
# Versioned and caselog-specific, so associated data never collides with another format's
# (v1's label is "caselog.field.v1").
_AAD_LABEL = "caselog.class.v2"


class ClassHead(BaseModel):
    """The first field of a class: its own slice, and the key id, nonce, tag and field paths
    of all (so a reader whose model names only some of the fields still finds the others)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enc: Literal["v2"]
    kid: str
    nonce: str
    tag: str
    paths: tuple[str, ...]
    ct: str


class ClassMember(BaseModel):
    """Any further field of the class: only its slice of the class's ciphertext."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enc: Literal["v2"]
    ct: str


SealedField = Ciphertext | ClassHead | ClassMember
"""What a personal field holds in a stored event, in either format: read models that only
count a field as present (policy's identity) accept both, so old and new events read alike."""

SEALED_VERSIONS = frozenset({"v1", VERSION})


def is_sealed(value: Any) -> bool:
    """True for a ciphertext object of either format (the bundle's reveal check asks this)."""
    return isinstance(value, dict) and value.get("enc") in SEALED_VERSIONS


class ClassBinding(NamedTuple):
    """Where a class's ciphertext belongs: this case, event and class, these paths in order.
    (A named tuple: one is built per class of every event sealed or opened.)"""

    case_id: str
    event_id: str
    field_class: FieldClass
    paths: Sequence[str]

    def associated_data(self, kid: str, sizes: Sequence[int]) -> bytes:
        # Each part prefixed by its length, so no two bindings give the same bytes; the
        # slice lengths come last, after the paths' count and the paths themselves.
        case, event = self.case_id, self.event_id
        if len(sizes) != len(self.paths):
            raise CiphertextError(f"{self.where()}: {len(sizes)} slices for {len(self.paths)}")
        return (
            f"{_AAD_LABEL}|{len(case)}:{case}|{len(event)}:{event}|{_CLASS_PARTS[self.field_class]}"
            f"|{len(kid)}:{kid}|{_paths_part(tuple(self.paths))}|{','.join(map(str, sizes))}"
        ).encode()

    def where(self) -> str:
        return ", ".join(self.paths)


_CLASS_PARTS = {field_class: f"{len(field_class)}:{field_class}" for field_class in FieldClass}


@lru_cache(maxsize=4096)
def _paths_part(paths: tuple[str, ...]) -> str:
    # Events of one type mostly name the same fields: their part is written once.
    return str(len(paths)) + "".join(f"|{len(path)}:{path}" for path in paths)


def seal_class(
    key: DataKey, plaintexts: Sequence[bytes], binding: ClassBinding
) -> list[dict[str, Any]]:
    """The ciphertext objects of the class's fields, in the order of `binding.paths`."""
    nonce = os.urandom(NONCE_BYTES)
    sizes = [len(plaintext) for plaintext in plaintexts]
    sealed = key.encrypt(nonce, b"".join(plaintexts), binding.associated_data(key.kid, sizes))
    encode = binascii.b2a_base64
    slices: list[str] = []
    start = 0
    for size in sizes:
        slices.append(encode(sealed[start : start + size], newline=False).decode("ascii"))
        start += size
    objects = [{"enc": VERSION, "ct": piece} for piece in slices[1:]]
    head: dict[str, Any] = {
        "enc": VERSION,
        "kid": key.kid,
        "nonce": b64(nonce),
        "tag": b64(sealed[start:]),
        "paths": list(binding.paths),
        "ct": slices[0],
    }
    return [head, *objects]


def head_paths(value: Any) -> list[str] | None:
    """The field paths a class's first field names, or None if `value` is no v2 head."""
    if type(value) is dict and value.get("enc") == VERSION and "paths" in value:
        paths = value["paths"]
        if type(paths) is list and paths and all(type(path) is str for path in paths):
            return paths
    return None


class ParsedClass(NamedTuple):
    """A class's ciphertext objects checked for shape, their base64 still undecoded."""

    kid: str
    nonce: str
    tag: str
    slices: tuple[str, ...]


_HEAD_FIELDS = frozenset(ClassHead.model_fields)
_MEMBER_FIELDS = frozenset(ClassMember.model_fields)


def parse_class(values: Sequence[Any], binding: ClassBinding) -> ParsedClass:
    """The class's objects (the head first, then members, in path order), or CiphertextError
    naming the paths (never a value)."""
    if len(values) != len(binding.paths) or not values:
        raise CiphertextError(f"{binding.where()}: not one ciphertext object per field")
    head = values[0]
    if not (
        type(head) is dict
        and head.keys() == _HEAD_FIELDS
        and head["enc"] == VERSION
        and type(head["kid"]) is str
        and type(head["nonce"]) is str
        and type(head["tag"]) is str
        and type(head["ct"]) is str
        and type(head["paths"]) is list
    ):
        raise CiphertextError(
            f"{binding.paths[0]}: not a v2 ciphertext (the first field of its class)"
        )
    slices = [head["ct"]]
    for path, value in zip(binding.paths[1:], values[1:]):  # noqa: B905 - one length
        if not (
            type(value) is dict
            and value.keys() == _MEMBER_FIELDS
            and value["enc"] == VERSION
            and type(value["ct"]) is str
        ):
            raise CiphertextError(f"{path}: not a v2 ciphertext (a further field of its class)")
        slices.append(value["ct"])
    return ParsedClass(head["kid"], head["nonce"], head["tag"], tuple(slices))


def open_class(key: DataKey, parsed: ParsedClass, binding: ClassBinding) -> list[bytes]:
    """Each field's plaintext, in path order; CiphertextError if anything differs from what
    was sealed (the class opens as a whole or not at all)."""
    if parsed.kid != key.kid:
        raise CiphertextError(f"{binding.where()}: sealed under key {parsed.kid}, not {key.kid}")
    try:
        # strict_mode: only the base64 alphabet, padding where it belongs.
        nonce = binascii.a2b_base64(parsed.nonce, strict_mode=True)
        tag = binascii.a2b_base64(parsed.tag, strict_mode=True)
        slices = [binascii.a2b_base64(piece, strict_mode=True) for piece in parsed.slices]
        if len(nonce) != NONCE_BYTES or len(tag) != TAG_BYTES:
            raise CiphertextError(f"{binding.where()}: nonce or tag of the wrong size")
        sizes = [len(piece) for piece in slices]
        slices.append(tag)
        joined = key.decrypt(nonce, b"".join(slices), binding.associated_data(key.kid, sizes))
    except (InvalidTag, ValueError):  # binascii.Error, or a str that is not ASCII
        raise CiphertextError(
            f"{binding.where()}: the {binding.field_class.value} ciphertext does not"
            f" authenticate for case {binding.case_id}, event {binding.event_id}"
            " (altered, or moved from elsewhere)"
        ) from None
    plaintexts: list[bytes] = []
    start = 0
    for size in sizes:
        plaintexts.append(joined[start : start + size])
        start += size
    return plaintexts


def value_at(value: Any, path: str) -> Any:
    """The value at a dotted path (list items by index, as the codec names them), or None
    where the path leads nowhere."""
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
