"""Errors of the Merkle tree, proof and signed-note primitives."""

from shared.errors import CaselogError


class MerkleError(CaselogError):
    """Base class of every error raised by `shared.merkle`."""


class TreeSizeError(MerkleError):
    """A size or leaf index the tree does not have (e.g. a proof for a size not yet reached)."""


class ProofError(MerkleError):
    """A proof does not prove what was claimed for the given hashes and sizes."""


class MissingNodeError(MerkleError):
    """The node store lacks a node the tree needs: the store is incomplete or damaged."""


class NodeConflictError(MerkleError):
    """A write would change or skip a stored node; the tree is append-only."""


class NoteError(MerkleError):
    """Base class of signed-note errors."""


class MalformedNoteError(NoteError):
    """The text is not a signed note in the C2SP signed-note format."""


class KeyFormatError(NoteError):
    """A signer or verifier key string is malformed, or its key ID does not match the key."""


class UnverifiedNoteError(NoteError):
    """No signature on the note comes from a trusted key."""


class SignatureError(NoteError):
    """A signature made by a trusted key does not verify: the note was altered or forged."""


class CheckpointError(NoteError):
    """The note text is not a valid tlog checkpoint, or not the one expected."""


class TilePathError(MerkleError):
    """A path is not a C2SP tlog-tiles tile or entry bundle path."""


class EntryTooLargeError(MerkleError):
    """An entry is longer than an entry bundle's 16-bit length prefix can say."""
