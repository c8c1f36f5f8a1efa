"""Sample consultations, histories and close requests the policy tests start from, and the
shape of a table case: facts in, expected outcome and (rule, article) pairs out."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.policy.domain import ClosureFacts, ConsultationFacts, Outcome, SubjectHistory

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)

# The guideline articles the shipped policy file cites, as a reviewer would check them.
ARTICLES = {
    "channel": "art. 2",
    "scope-identity": "art. 3",
    "scope-relationship": "art. 3",
    "conduct": "art. 4",
    "legitimate-complaint": "art. 4, art. 5",
    "demand-validity": "art. 4",
    "demand-proportionality": "art. 4",
    "repeat": "art. 4",
    "time-restraint": "art. 4, art. 6",
    "termination": "art. 6",
    "record-completeness": "art. 7",
    "recording": "art. 7",
    "confidentiality": "art. 5, art. 9",
    "damages": "art. 10",
}


def consultation(body: str = "製品の使い方を教えてください。", **changes: Any) -> ConsultationFacts:
    """An e-mail from an identified purchaser asking a plain question, changed as told."""
    facts: dict[str, Any] = {
        "channel": "email",
        "received_at": T0,
        "relationship": "purchaser",
        "has_name": True,
        "has_email_or_phone": True,
        "subject": "ご相談",
        "body": body,
    }
    return ConsultationFacts.model_validate(facts | changes)


def yen(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "JPY"}


def demand(type_: str, amount: int | None = None, **changes: Any) -> dict[str, Any]:
    return {"type": type_, "amount": yen(amount) if amount is not None else None} | changes


def priced(price: int) -> dict[str, Any]:
    return {"price": yen(price)}


def after_final_answer(repeats: int | None = None, **changes: Any) -> SubjectHistory:
    """A subject who got a final answer two days ago and has come back `repeats` times."""
    history: dict[str, Any] = {
        "final_answers": (T0 - 2 * DAY,),
        "repeat_count_since_final_answer": repeats,
    }
    return SubjectHistory.model_validate(history | changes)


def closure(reason: str, **changes: Any) -> ClosureFacts:
    """A close request with a complete record, changed as told."""
    facts: dict[str, Any] = {
        "reason": reason,
        "requested_at": T0,
        "has_content": True,
        "has_times": True,
        "has_customer": True,
        "has_channel": True,
        "has_handler": True,
    }
    return ClosureFacts.model_validate(facts | changes)


@dataclass(frozen=True)
class Case:
    """`rules` lists the expected reasons in order: `rule` or `conduct:category`."""

    name: str
    outcome: Outcome
    rules: str
    facts: ConsultationFacts = field(default_factory=consultation)
    history: SubjectHistory = field(default_factory=SubjectHistory)
    actions: frozenset[str] = frozenset()

    def expected(self) -> list[tuple[str, str, str | None]]:
        pairs = []
        for spec in self.rules.split():
            rule, _, category = spec.partition(":")
            pairs.append((rule, ARTICLES[rule], category or None))
        return pairs
