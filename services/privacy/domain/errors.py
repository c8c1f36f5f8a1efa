"""Privacy's errors; messages name fields, ids and reasons, never a personal value."""

from shared.errors import CaselogError


class PrivacyError(CaselogError):
    """Base class of everything privacy refuses or fails at."""


class InvalidRequestError(PrivacyError):
    """Well-formed input that cannot be acted on; names the field to fix."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class NotFoundError(PrivacyError):
    """A hold, recommendation, request or case that privacy does not know (answered 404)."""

    def __init__(self, what: str, identifier: str, field: str) -> None:
        super().__init__(f"{what} {identifier} does not exist")
        self.field = field


class NoMatchError(PrivacyError):
    """No subject matches the identities of an erasure or access request: nothing was done,
    and no receipt is signed for nothing (answered 404; the request is kept as `no_match`)."""

    def __init__(self, done: str, request_id: str | None = None) -> None:
        kept = f"; request {request_id} is recorded as no_match" if request_id else ""
        super().__init__(f"no_match: no subject matches the identities given, {done}{kept}")
        self.field = "identities"
        self.request_id = request_id


class ForbiddenError(PrivacyError):
    """The caller's role may not do this here, e.g. release a hold without legal (403)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


class ConflictError(PrivacyError):
    """The change is not possible in the current state, e.g. releasing a released hold (409)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


class RulesError(PrivacyError):
    """The retention and anonymization rules file cannot be used; names the entry at fault."""


class SigningKeyError(PrivacyError):
    """The receipt signing key is missing or malformed; the message never quotes the key."""


class ReceiptVerificationError(PrivacyError):
    """An erasure receipt whose signature or content does not verify."""


class UnreadableCaseError(PrivacyError):
    """A stored event of the case does not decrypt or parse, so the case cannot be copied."""
