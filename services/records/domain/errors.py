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


class CaseMapMismatchError(RecordsError):
    """The case map statement kept for a size does not name the map the log derives."""


class StoreIntegrityError(RecordsError):
    """The stored rows contradict each other: a second writer, or damage; nothing was written."""


class InvalidPolicyError(RecordsError):
    """A checkpoint policy with a non-positive interval."""


class CaseNotFoundError(RecordsError):
    """No event of this case is in the log (at the times asked for)."""

    def __init__(self, case_id: str) -> None:
        # The id is the caller's (a path id may be a phone number): never repeated.
        del case_id
        super().__init__("no event of a case with this case_id is recorded")
        self.field = "case_id"


class CheckpointNotFoundError(RecordsError):
    """No checkpoint was issued at this tree size (or none at all yet)."""

    def __init__(self, reason: str, field: str = "size") -> None:
        super().__init__(reason)
        self.field = field


class RevealRefusedError(RecordsError):
    """The caller's role may not see personal data in plaintext (answered 403)."""


class PurposeRequiredError(RecordsError):
    """A reveal names no purpose or matter, so it could not be accounted for (answered 422)."""

    def __init__(self) -> None:
        super().__init__("a reveal needs a purpose or a matter reference")
        self.field = "purpose"


class InvalidPurposeError(RecordsError):
    """A reveal's purpose or matter that cannot be kept in the log (answered 422)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class SigningKeyError(RecordsError):
    """The checkpoint signing key is missing or malformed; the message never quotes the key."""


class LogOriginError(RecordsError):
    """The log's origin is missing or not this deployment's own (refuses to start)."""


class UnreadableFieldsError(RecordsError):
    """A personal field could not be decrypted: no key was ever made for the case, or the
    ciphertext does not authenticate where it stands. Shown as stored, flagged unreadable."""


class TileNotFoundError(RecordsError):
    """A tile or entry bundle the latest checkpoint does not cover (answered 404): the public
    log serves only what a signed checkpoint commits to."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.field = "path"


class EntriesNotPublishedError(RecordsError):
    """This deployment publishes leaf hashes only, no entry bundles (answered 404)."""

    def __init__(self) -> None:
        super().__init__(
            "this log publishes leaf hashes only (CASELOG_PUBLIC_LOG_ENTRIES=leaf-hashes):"
            " the level 0 tiles hold every entry's hash, no entry is served"
        )
        self.field = "path"


class NotAnErasureError(RecordsError):
    """Asked to bind an event that is not a `subject.erased`: its bytes may hold ciphertext of
    personal data, so they are served only in a bundle, to the roles that may export one."""

    def __init__(self) -> None:
        super().__init__("only subject.erased events are bound to the log here")
        self.field = "event_id"
