"""The text rules: conduct (by category, with a first-offence effect), the explicit
legitimate-complaint guard, and a customer's statement that they will publish a recording."""

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import Bilingual, Reason, fact, reason, text_evidence
from services.policy.domain.facts import ConsultationFacts, SubjectHistory
from services.policy.domain.policy import Policy
from services.policy.domain.text_scan import TextFindings


def conduct(findings: TextFindings, history: SubjectHistory, policy: Policy) -> list[Reason]:
    config = policy.rules.conduct
    first_offence = not any(RuleId.CONDUCT in d.rules for d in history.prior_decisions)
    reasons = []
    for category in sorted(findings.conduct_categories()):
        hits = findings.conduct.get(category, [])
        if category == findings.publication_category:
            hits = sorted(hits + findings.publication)
        settings = config.categories[category]
        effect = settings.effect
        if first_offence and settings.first_offence is not None:
            effect = settings.first_offence
        first = effect is settings.first_offence
        name = category.replace("_", " ")
        note = Bilingual(
            en=f"{name} ({'first offence' if first else 'conduct'}): {len(hits)} fragment(s)",
            ja=f"{name} ({'初回' if first else '言動'}): 該当箇所 {len(hits)} 件",
        )
        evidence = text_evidence(hits, category)
        reasons.append(reason(RuleId.CONDUCT, config, effect, note, evidence, category))
    return reasons


def legitimate_complaint(
    consultation: ConsultationFacts, findings: TextFindings, policy: Policy
) -> list[Reason]:
    """Fires whenever a complaint, demand or announced legal step is present, to show it was
    seen and not counted as misconduct; conduct hits it shielded are listed as evidence."""
    config = policy.rules.legitimate_complaint
    found = {kind: hits for kind, hits in findings.complaint.items() if hits}
    demand = consultation.demand
    claimed = demand is not None and demand.type in config.demand_types
    if not found and not claimed:
        return []
    texts = [e for kind, hits in found.items() for e in text_evidence(hits, kind)]
    for category, hits in findings.shielded.items():
        texts += text_evidence(hits, f"shielded:{category}")
    texts.sort(key=lambda e: (e.field, e.start, e.end, e.category))
    facts = [fact("demand.type", demand.type)] if demand is not None and claimed else []
    grounds = ", ".join([*(f.value for f in facts), *sorted(found)])
    note = Bilingual(
        en=f"not misconduct by itself: {grounds}",
        ja=f"それ自体は不当な言動ではありません: {grounds}",
    )
    return [reason(RuleId.LEGITIMATE_COMPLAINT, config, config.effect, note, [*facts, *texts])]


def recording_publication(findings: TextFindings, policy: Policy) -> list[Reason]:
    if not findings.publication:
        return []
    config = policy.rules.recording
    evidence = text_evidence(findings.publication, config.publication_counts_as)
    note = Bilingual(
        en="customers may not publish recordings of calls",
        ja="お客様が通話の録音を公開することは認められていません",
    )
    return [reason(RuleId.RECORDING, config, config.publication_effect, note, evidence)]
