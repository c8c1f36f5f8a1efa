"""A decision and its reasons: each reason names the rule, the guideline article and the
evidence (offsets into the text, or a non-identity fact), so a decision can be re-checked."""

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.policy.domain.catalogue import Action, Outcome, RuleId
from services.policy.domain.lexicon import Hit
from services.policy.domain.rule_config import Effect, RuleConfig


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextEvidence(_Frozen):
    """A fragment of a free-text field: `text[start:end]` of the original, unfolded string."""

    kind: Literal["text"] = "text"
    field: Literal["subject", "body", "details"]
    category: str
    term: str  # the lexicon entry that matched: policy data, not the customer's words
    start: int
    end: int


class FactEvidence(_Frozen):
    """A fact the rule relied on, e.g. `channel = sns`; identity facts never appear."""

    kind: Literal["fact"] = "fact"
    fact: str
    value: str


Evidence = Annotated[TextEvidence | FactEvidence, Field(discriminator="kind")]


class Reason(_Frozen):
    rule: RuleId
    article: str
    outcome: Outcome
    actions: tuple[Action, ...] = ()
    category: str | None = None
    evidence: tuple[Evidence, ...] = ()
    note: str = ""


class Decision(_Frozen):
    outcome: Outcome
    reasons: tuple[Reason, ...]
    actions: tuple[Action, ...]
    policy_version: str


def reason(
    rule: RuleId,
    config: RuleConfig,
    effect: Effect,
    note: str,
    evidence: Iterable[Evidence] = (),
    category: str | None = None,
) -> Reason:
    """A reason citing the article the policy file gives for `rule`."""
    return Reason(
        rule=rule,
        article=config.article,
        outcome=effect.outcome,
        actions=effect.actions,
        category=category,
        evidence=tuple(evidence),
        note=note,
    )


def text_evidence(hits: Iterable[Hit], category: str) -> list[TextEvidence]:
    return [
        TextEvidence.model_validate(
            {"field": h.field, "category": category, "term": h.term, "start": h.start, "end": h.end}
        )
        for h in hits
    ]


def fact(name: str, value: object) -> FactEvidence:
    shown = str(value).lower() if isinstance(value, bool) else str(value)
    return FactEvidence(fact=name, value=shown)


def decision_of(reasons: Iterable[Reason], policy_version: str) -> Decision:
    """Outcome by precedence (see `Outcome`), reasons in catalogue order, actions each once."""
    rules = list(RuleId)
    ordered = tuple(sorted(reasons, key=lambda r: rules.index(r.rule)))
    outcome = max((r.outcome for r in ordered), key=lambda o: o.precedence, default=Outcome.ACCEPT)
    wanted = {action for r in ordered for action in r.actions}
    return Decision(
        outcome=outcome,
        reasons=ordered,
        actions=tuple(action for action in Action if action in wanted),
        policy_version=policy_version,
    )
