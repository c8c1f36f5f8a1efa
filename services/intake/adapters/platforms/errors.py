"""Errors of the platform adapters; messages name fields and reasons, never payload values."""

from shared.errors import CaselogError


class WebhookError(CaselogError):
    """Base class for everything the platform adapters reject."""


class WebhookAuthenticationError(WebhookError):
    """The request cannot be shown to come from the platform (answered with HTTP 401)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"webhook authentication failed: {reason}")


class PlatformPayloadError(WebhookError):
    """An authentic payload that caselog cannot map (answered with HTTP 422).

    `field` is the dotted path in the platform's payload (`detail.requester.name`).
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


# The name entry points use: it reports the event, not a fault on either side.
class UnsupportedPlatformEvent(PlatformPayloadError):  # noqa: N818
    """A well-formed event of a kind caselog does not take (another topic, an internal note...)."""
