"""The root of every error caselog raises; each service and shared module subclasses it."""


class CaselogError(Exception):
    """Base class for caselog's own errors.

    Messages of these errors are safe to log and to return to callers: they never
    contain personal data, only identifiers, field names and reasons.
    """
