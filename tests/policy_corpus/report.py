"""Decides every consultation of the labelled corpus under the shipped policy and reports
recall and precision per conduct category and per outcome, the accept rate of legitimate
complaints and every miss. `make policy-report` prints it; a unit test checks the targets.

Each line of `*.jsonl` here: `id`, `lang`, `category` (a conduct category, `legitimate`, or
a fact-based case such as `repeat`), `article`, the expected `outcome` and `rule`, the
`body` as a customer wrote it, and optionally `facts`: a named set of non-text facts
(`FACTS` below) the case needs (a channel, a missing name, a history)."""

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.policy.domain import (
    ConsultationFacts,
    Decision,
    Outcome,
    Policy,
    RuleId,
    SubjectHistory,
    decide,
    load_policy,
)
from shared.settings import SHIPPED_POLICY_FILE

CORPUS = Path(__file__).resolve().parent
T0 = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ABUSE = (
    "threat", "extortion", "insult", "defamation", "discrimination", "sexual", "kneeling",
    "online_exposure",
)  # fmt: skip
RECALL_TARGET = 0.95
ACCEPT_TARGET = 0.98

_JPY_3000 = {"price": {"amount": 3000, "currency": "JPY"}}
FACTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # name: (changes to the consultation, the subject's history)
    "channel_sns": ({"channel": "sns"}, {}),
    "channel_chat": ({"channel": "chat"}, {}),
    "channel_visit": ({"channel": "visit"}, {}),
    "anonymous": ({"has_name": False}, {}),
    "no_contact": ({"has_email_or_phone": False}, {}),
    "not_customer": ({"relationship": "other"}, {}),
    "repeat1": ({}, {"final_answers": [T0 - 3 * DAY]}),
    "repeat2": (
        {},
        {"final_answers": [T0 - 3 * DAY], "prior_contacts": [{"at": T0 - DAY, "channel": "email"}]},
    ),
    "long_call": (
        {
            "channel": "phone",
            "call": {"duration_seconds": 3600, "final_answer_given_at": T0 + timedelta(minutes=10)},
        },
        {},
    ),
    "confidential": ({"has_confidential_info": True}, {}),
    "confirmed_loss": (
        {"demand": {"type": "compensation"}, "defect_confirmed": True, "loss_confirmed": True},
        {},
    ),
    "demand": ({"demand": {"type": "refund"}}, {}),
    "excessive": (
        {
            "demand": {"type": "compensation", "amount": {"amount": 100000, "currency": "JPY"}},
            "product": _JPY_3000,
        },
        {},
    ),
    "excessive_usd": (
        {
            "demand": {"type": "compensation", "amount": {"amount": 500, "currency": "USD"}},
            "product": _JPY_3000,
        },
        {},
    ),
    "priced": ({"product": _JPY_3000}, {}),
    "visit_demand": ({"demand": {"type": "visit"}}, {}),
}


@dataclass(frozen=True)
class Case:
    id: str
    lang: str
    category: str
    article: str
    outcome: Outcome
    rule: RuleId
    body: str
    facts: str | None = None

    def consultation(self) -> tuple[ConsultationFacts, SubjectHistory]:
        changes, history = FACTS[self.facts] if self.facts else ({}, {})
        base = {
            "channel": "email",
            "received_at": T0,
            "relationship": "purchaser",
            "has_name": True,
            "has_email_or_phone": True,
            "subject": "",
            "body": self.body,
        }
        facts = ConsultationFacts.model_validate(base | changes)
        return facts, SubjectHistory.model_validate(history)


def load(directory: Path = CORPUS) -> list[Case]:
    cases = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                data["outcome"], data["rule"] = Outcome(data["outcome"]), RuleId(data["rule"])
                cases.append(Case(**data))
    return cases


@dataclass
class Result:
    case: Case
    decision: Decision
    found: set[str]  # conduct categories found
    rules: set[RuleId]

    @property
    def correct(self) -> bool:
        case = self.case
        if case.category == "legitimate":
            return self.decision.outcome is Outcome.ACCEPT and not self.found
        if case.category in ABUSE:
            return case.category in self.found
        return case.rule in self.rules and self.decision.outcome is case.outcome


@dataclass
class Report:
    results: list[Result]
    per_category: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def misses(self) -> list[Result]:
        return [r for r in self.results if not r.correct]

    def recall(self, category: str) -> float:
        mine = [r for r in self.results if r.case.category == category]
        return sum(r.correct for r in mine) / len(mine) if mine else 1.0

    def precision(self, category: str) -> float:
        flagged = [r for r in self.results if category in r.found]
        if not flagged:
            return 1.0
        return sum(r.case.category == category for r in flagged) / len(flagged)

    def accept_rate(self) -> float:
        return self.recall("legitimate")

    def outcome_scores(self, outcome: Outcome) -> tuple[float, float, int]:
        expected = [r for r in self.results if r.case.outcome is outcome]
        given = [r for r in self.results if r.decision.outcome is outcome]
        hits = sum(r.decision.outcome is outcome for r in expected)
        recall = hits / len(expected) if expected else 1.0
        precision = sum(r.case.outcome is outcome for r in given) / len(given) if given else 1.0
        return precision, recall, len(expected)


def evaluate(policy: Policy, cases: list[Case]) -> Report:
    results = []
    for case in cases:
        facts, history = case.consultation()
        decision = decide(facts, history, policy)
        found = {r.category for r in decision.reasons if r.rule is RuleId.CONDUCT and r.category}
        results.append(Result(case, decision, found, {r.rule for r in decision.reasons}))
    return Report(results)


def render(report: Report) -> str:
    results = report.results
    langs = Counter(r.case.lang for r in results)
    lines = [
        f"policy corpus: {len(results)} consultations ({langs['ja']} ja, {langs['en']} en)",
        "",
        f"{'category':<18}{'n':>5}{'recall':>9}{'precision':>11}",
    ]
    categories = sorted({r.case.category for r in results}, key=lambda c: (c not in ABUSE, c))
    for category in categories:
        n = sum(r.case.category == category for r in results)
        precision = f"{report.precision(category):.3f}" if category in ABUSE else "-"
        lines.append(f"{category:<18}{n:>5}{report.recall(category):>9.3f}{precision:>11}")
    lines += ["", f"{'outcome':<18}{'n':>5}{'recall':>9}{'precision':>11}"]
    for outcome in Outcome:
        precision, recall, n = report.outcome_scores(outcome)
        lines.append(f"{outcome.value:<18}{n:>5}{recall:>9.3f}{precision:>11.3f}")
    abuse_recall = min(report.recall(c) for c in ABUSE)
    lines += [
        "",
        f"lowest recall on an abuse category: {abuse_recall:.3f} (target {RECALL_TARGET})",
        f"accept rate of legitimate complaints: {report.accept_rate():.3f}"
        f" (target {ACCEPT_TARGET})",
        "",
        f"misses ({len(report.misses())}):",
    ]
    for miss in report.misses():
        case = miss.case
        found = ", ".join(sorted(miss.found)) or "no conduct"
        lines.append(
            f"  {case.id}: expected {case.outcome.value} ({case.rule.value}), "
            f"got {miss.decision.outcome.value} ({found}): {case.body[:70]}"
        )
    return "\n".join(lines)


def main() -> int:
    policy = load_policy(SHIPPED_POLICY_FILE.read_text(encoding="utf-8"))
    print(render(evaluate(policy, load())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
