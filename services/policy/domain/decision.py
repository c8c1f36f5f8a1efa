"""A decision and its reasons: each reason names the rule, the guideline article and the
evidence (offsets into the text, or a non-identity fact), so a decision can be re-checked."""

from collections import Counter
from collections.abc import Iterable, Sequence

from services.policy.domain.articles import Bilingual, instructions_for, titles_of
from services.policy.domain.catalogue import Action, Outcome, RuleId
from services.policy.domain.lexicon import Hit
from services.policy.domain.policy import Policy
from services.policy.domain.rule_config import Effect, EvidenceLimits, RuleConfig
from shared.contracts.policy import Decision, Evidence, FactEvidence, Reason, TextEvidence

__all__ = [
    "Bilingual",
    "Decision",
    "Evidence",
    "FactEvidence",
    "Reason",
    "TextEvidence",
    "cited_within",
    "decision_of",
    "fact",
    "reason",
    "text_evidence",
]


def reason(
    rule: RuleId,
    config: RuleConfig,
    effect: Effect,
    note: Bilingual,
    evidence: Iterable[Evidence] = (),
    category: str | None = None,
) -> Reason:
    """A reason citing the article the policy file gives for `rule`; `decision_of` adds the
    article's titles."""
    return Reason(
        rule=rule,
        article=config.article,
        outcome=effect.outcome,
        actions=effect.actions,
        category=category,
        evidence=tuple(evidence),
        note=note.en,
        note_ja=note.ja,
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


def decision_of(reasons: Iterable[Reason], policy: Policy) -> Decision:
    """Outcome by precedence (see `Outcome`), reasons in catalogue order, actions each once,
    text evidence within the policy's limits; each reason with its articles' titles and each
    action with its instruction, as the policy states them (a version that states none
    decides in English only, as it did: see `Policy.articles`)."""
    rules = list(RuleId)
    ordered = tuple(sorted(reasons, key=lambda r: rules.index(r.rule)))
    outcome = max((r.outcome for r in ordered), key=lambda o: o.precedence, default=Outcome.ACCEPT)
    wanted = {action for r in ordered for action in r.actions}
    actions = tuple(action for action in Action if action in wanted)
    cited = cited_within(ordered, policy.evidence_limits)
    if policy.articles is None or policy.instructions is None:
        return Decision(
            outcome=outcome,
            reasons=tuple(r.model_copy(update={"note_ja": ""}) for r in cited),
            actions=actions,
            policy_version=policy.version,
        )
    articles = policy.articles
    return Decision(
        outcome=outcome,
        reasons=tuple(
            r.model_copy(update={"article_titles": titles_of(r.article, articles)}) for r in cited
        ),
        actions=actions,
        policy_version=policy.version,
        instructions=instructions_for(actions, policy.instructions),
    )


def cited_within(reasons: Sequence[Reason], limits: EvidenceLimits) -> tuple[Reason, ...]:
    """The reasons citing at most `limits.per_category` fragments of a category each and
    `limits.per_decision` in all, the first ones in the order given (by position in the
    text); each fragment left out is counted under its category in `evidence_omitted`.
    Facts are always cited. Applying it again to its result changes nothing."""
    cited = 0
    capped = []
    for reason in reasons:
        per_category: Counter[str] = Counter()
        omitted = Counter(reason.evidence_omitted)
        kept: list[Evidence] = []
        for evidence in reason.evidence:
            if isinstance(evidence, TextEvidence):
                if per_category[evidence.category] >= limits.per_category or (
                    cited >= limits.per_decision
                ):
                    omitted[evidence.category] += 1
                    continue
                per_category[evidence.category] += 1
                cited += 1
            kept.append(evidence)
        if omitted == Counter(reason.evidence_omitted):
            capped.append(reason)
            continue
        update = {"evidence": tuple(kept), "evidence_omitted": dict(sorted(omitted.items()))}
        capped.append(reason.model_copy(update=update))
    return tuple(capped)
