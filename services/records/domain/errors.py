"""The records service's errors: one base class, and what went wrong in terms a caller acts on."""

from shared.errors import CaselogError


class RecordsError(CaselogError):
    """Base class of every error the records service raises."""


class InvalidEventError(RecordsError):
    """An event or batch the store cannot accept; nothing of its batch was written."""


class EventConflictError(InvalidEventError):
    """An event id already stored (or earlier in the batch) with different bytes."""


class UnknownEventError(RecordsError):
    """No event with this id is stored."""


class SizeOutOfRangeError(RecordsError):
    """A proof or checkpoint for a tree size the log has not reached (or a negative one)."""


class CheckpointMismatchError(RecordsError):
    """A checkpoint whose root hash is not the log's root at its size; it was not stored."""


class StoreIntegrityError(RecordsError):
    """The stored rows contradict each other: a second writer, or damage; nothing was written."""


class InvalidPolicyError(RecordsError):
    """A checkpoint policy with a non-positive interval."""
