"""What an audit of the store found: each problem names the event or checkpoint it concerns."""

from dataclasses import dataclass
from typing import Literal

ProblemKind = Literal["missing", "row", "leaf", "chain", "checkpoint"]


@dataclass(frozen=True)
class Problem:
    """One finding. `missing`: no event at a position; `row`: columns disagree with the stored
    bytes; `leaf`: the bytes do not hash to the Merkle tree's leaf; `chain`: the case chain
    breaks; `checkpoint`: a signed checkpoint does not verify or does not match the events."""

    kind: ProblemKind
    reason: str
    position: int | None = None
    event_id: str | None = None
    checkpoint_size: int | None = None

    def __str__(self) -> str:
        if self.checkpoint_size is not None:
            return f"checkpoint at size {self.checkpoint_size}: {self.reason}"
        subject = f"event {self.event_id} at position" if self.event_id else "position"
        return f"{subject} {self.position}: {self.reason}"


@dataclass(frozen=True)
class AuditReport:
    """Problems in log order: events by position first, then checkpoints by size."""

    events: int
    checkpoints: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The first bad event, or if every event is sound, the first bad checkpoint."""
        return self.problems[0] if self.problems else None
