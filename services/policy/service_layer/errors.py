"""Errors of policy's consumer and API, all under the service's one base class `PolicyError`."""

from services.policy.domain.errors import PolicyError
from shared.bus.errors import PermanentHandlingError


class UnevaluableEventError(PolicyError, PermanentHandlingError):
    """An intake event the engine cannot evaluate: unknown schema version, missing or malformed
    fields, content that does not decrypt. Permanent, so the bus dead-letters it at once with
    this reason (never retried, never silently accepted). Names fields, never values."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field


class UnknownPolicyVersionError(PolicyError):
    """No policy with this version was ever loaded by this service, so it cannot be used."""

    field = "policy_version"

    def __init__(self, version: str) -> None:
        # The version is the caller's (a path id): named by its field, never repeated.
        del version
        super().__init__("no policy with this version was ever loaded here")


class PolicySourceError(PolicyError):
    """The configured policy file cannot be used: names the file and each problem by path."""


class StateConflictError(PolicyError):
    """The subject's state changed between reading and writing it (another consumer instance
    took over the partition). Not permanent: the retry reads the new state."""


class UnreadableErasureError(PolicyError, PermanentHandlingError):
    """A `subject.erased` policy cannot read (unknown version, malformed payload): dead-lettered
    at once with the reason, for someone to look at, since retrying cannot help."""
