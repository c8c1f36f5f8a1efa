"""What a bundle check reports when something does not hold: the first failure, by name."""

from dataclasses import dataclass

from services.records.domain.errors import RecordsError
from shared.merkle import encoding


@dataclass(frozen=True)
class BundleFailure:
    """`subject` names the event (id and leaf index), the checkpoint or the key that failed."""

    subject: str
    reason: str
    event_id: str | None = None

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason}"


class BundleCheckFailed(RecordsError):  # noqa: N818 - a verdict, raised only inside the check
    """Ends a bundle check at its first failure."""

    def __init__(self, subject: str, reason: str, event_id: str | None = None) -> None:
        super().__init__(f"{subject}: {reason}")
        self.failure = BundleFailure(subject, reason, event_id)


def decoded(text: str, subject: str, what: str, event_id: str | None = None) -> bytes:
    """Strict base64: a re-encoded variant of the same bytes is a change, not a synonym."""
    try:
        return encoding.decode(text)
    except ValueError:
        raise BundleCheckFailed(subject, f"{what} is not canonical base64", event_id) from None
