"""Errors raised by the bus and by handlers to steer delivery."""

from shared.errors import CaselogError


class BusError(CaselogError):
    """The bus could not do what was asked (broker or log unavailable, bad topic, ...)."""


class UnknownTopicError(BusError):
    """A topic was used that was never declared."""


class PermanentHandlingError(CaselogError):
    """Raised by a handler when retrying cannot help (e.g. the message is not a valid envelope).

    The message goes to the dead-letter topic at once, without further attempts.
    """
