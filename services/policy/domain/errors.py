"""Errors of the policy service: one base class, and the one a bad policy file raises."""

from dataclasses import dataclass

from shared.errors import CaselogError


class PolicyError(CaselogError):
    """Base class of every error the policy service raises on purpose; a CaselogError, so the
    API answers it in the problem shape and the bus can dead-letter it with its reason."""


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a policy file: where (dotted path, `[i]` for list items) and why."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class PolicyFileError(PolicyError):
    """A policy file that cannot be used; lists every problem found, each with its path."""

    def __init__(self, problems: tuple[PolicyProblem, ...]) -> None:
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"policy file has {len(problems)} problem(s):\n{listing}")
