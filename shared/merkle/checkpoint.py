"""C2SP tlog-checkpoint: a log's signed tree head (origin, size, root hash) as a signed note."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shared.merkle import encoding
from shared.merkle.errors import CheckpointError
from shared.merkle.hashing import HASH_SIZE
from shared.merkle.keys import NoteSigner, NoteVerifier
from shared.merkle.note import open_note, sign_note

_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    """The tree head: log identity, tree size, RFC 9162 root hash and optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("a checkpoint origin is one non-empty line")
        if not 0 <= self.size < 1 << 64:
            raise CheckpointError(f"tree size {self.size} is out of range")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"a root hash has {HASH_SIZE} bytes, not {len(self.root_hash)}")
        if any(not line or "\n" in line for line in self.extensions):
            raise CheckpointError("checkpoint extension lines must be non-empty single lines")

    def body(self) -> str:
        """The note text: origin, size, base64 root hash and extensions, one per line."""
        lines = [self.origin, str(self.size), encoding.encode(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> "Checkpoint":
        """Reads a checkpoint body (the text of a note whose signatures were already checked)."""
        if not body.endswith("\n"):
            raise CheckpointError("a checkpoint body ends with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("a checkpoint body has an origin, a size and a root hash line")
        origin, size, root, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise CheckpointError(
                "checkpoint tree size is not a decimal number without leading zeros"
            )
        try:
            root_hash = encoding.decode(root)
        except ValueError:
            raise CheckpointError("checkpoint root hash is not base64") from None
        return cls(origin, int(size), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[NoteSigner]) -> str:
    """The checkpoint as a signed note, ready to publish.

    The first signer is the log: its key MUST be named by the checkpoint's origin (C2SP
    tlog-checkpoint), so a key of one log cannot sign another log's tree heads. Any further
    signers (cosigners) carry names of their own.
    """
    if signers and signers[0].name != checkpoint.origin:
        raise CheckpointError(
            f"the log's key is named {signers[0].name!r}, not by the origin {checkpoint.origin!r}"
        )
    return sign_note(checkpoint.body(), signers)


def open_checkpoint(
    note: str | bytes,
    verifiers: Sequence[NoteVerifier],
    *,
    origin: str | None = None,
    log_key_name: str | None = None,
) -> Checkpoint:
    """Verifies the note against trusted keys, then parses its checkpoint and checks the origin.

    A trusted key named by the checkpoint's origin MUST have signed it (C2SP tlog-checkpoint:
    the log's key name is its origin); a signature by a trusted key of another name, such as
    a witness, is no log signature. `log_key_name` is for logs older than that rule whose key
    has a name of its own (Go's checksum database: "sum.golang.org" signs
    "go.sum database tree"); caselog's own logs never pass it.
    """
    opened = open_note(note, verifiers)
    checkpoint = Checkpoint.parse(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is from log {checkpoint.origin!r}, not {origin!r}")
    log_key = log_key_name or checkpoint.origin
    if not any(signature.name == log_key for signature in opened.verified):
        raise CheckpointError(
            f"no trusted key named {log_key!r} signed it: the log's key is named by its origin"
        )
    return checkpoint
