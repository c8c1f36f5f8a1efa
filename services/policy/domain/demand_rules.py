"""Rules on what the customer demands: validity (is there a fault?), proportionality (is the
demand in measure?) and damages (liability review, or a malicious demand for legal action)."""

from decimal import Decimal

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import (
    Evidence,
    FactEvidence,
    Reason,
    fact,
    reason,
    text_evidence,
)
from services.policy.domain.facts import ConsultationFacts
from services.policy.domain.policy import Policy
from services.policy.domain.rule_config import Effect
from services.policy.domain.text_scan import TextFindings


def demand_validity(consultation: ConsultationFacts, policy: Policy) -> list[Reason]:
    config = policy.rules.demand_validity
    demand = consultation.demand
    if demand is None or demand.type not in config.requires_fault:
        return []
    evidence = [fact("demand.type", demand.type)]
    if demand.related_to_product is False:
        evidence.append(fact("demand.related_to_product", False))
        note = "invalid: the demand is unrelated to the product"
        return [reason(RuleId.DEMAND_VALIDITY, config, config.invalid, note, evidence)]
    if consultation.defect_confirmed is False:
        evidence.append(fact("defect_confirmed", False))
        note = "invalid: no defect or fault was found"
        return [reason(RuleId.DEMAND_VALIDITY, config, config.invalid, note, evidence)]
    if consultation.defect_confirmed is None:
        evidence.append(fact("defect_confirmed", "unknown"))
        note = "defect or fault not established yet: check the facts before answering"
        return [reason(RuleId.DEMAND_VALIDITY, config, config.unverified, note, evidence)]
    return []


def demand_proportionality(consultation: ConsultationFacts, policy: Policy) -> list[Reason]:
    config = policy.rules.demand_proportionality
    demand = consultation.demand
    if demand is None:
        return []

    def finding(effect: Effect, note: str, *facts: FactEvidence) -> Reason:
        evidence = (fact("demand.type", demand.type), *facts)
        return reason(RuleId.DEMAND_PROPORTIONALITY, config, effect, note, evidence)

    reasons = []
    if demand.type in config.needs_supervisor and not consultation.supervisor_approved:
        note = f"a {demand.type} demand goes beyond a normal answer without supervisor approval"
        reasons.append(finding(config.excessive, note, fact("supervisor_approved", False)))
    ratio = config.max_ratio_to_price.get(demand.type)
    lifted = demand.type in config.loss_lifts_limit and consultation.loss_confirmed is True
    if ratio is None or demand.amount is None or lifted:
        return reasons
    price = consultation.product.price if consultation.product else None
    if price is None or price.currency != demand.amount.currency:
        note = "amount demanded cannot be compared with the price paid: establish the price"
        return [*reasons, finding(config.unknown_price, note, fact("product.price", "unknown"))]
    if demand.amount.amount > price.amount * Decimal(str(ratio)):
        loss = "unknown" if consultation.loss_confirmed is None else consultation.loss_confirmed
        note = f"amount demanded exceeds {ratio} x the price paid without a confirmed loss"
        amounts = (
            fact("demand.amount", f"{demand.amount.amount} {demand.amount.currency}"),
            fact("product.price", f"{price.amount} {price.currency}"),
            fact("loss_confirmed", loss),
        )
        reasons.append(finding(config.excessive, note, *amounts))
    return reasons


def damages(
    consultation: ConsultationFacts, findings: TextFindings, legitimate: bool, policy: Policy
) -> list[Reason]:
    """A malicious unjust demand (threat or extortion with a demand) is a legal-action
    candidate; a legitimate complaint about a confirmed defect that caused a confirmed loss
    goes to liability review."""
    config = policy.rules.damages
    found = findings.conduct_categories()
    malicious = sorted(set(config.malicious_categories) & found)
    phrases = [hit for kind in config.demand_phrases for hit in findings.complaint.get(kind, [])]
    demand = consultation.demand
    if malicious and (demand is not None or phrases):
        evidence: list[Evidence] = []
        evidence += (
            [fact("demand.type", demand.type)] if demand else text_evidence(phrases, "demand")
        )
        for category in malicious:
            evidence += text_evidence(findings.conduct.get(category, []), category)
        note = f"malicious unjust demand ({', '.join(malicious)}): candidate for legal action"
        return [reason(RuleId.DAMAGES, config, config.malicious, note, evidence)]
    if legitimate and not found and consultation.defect_confirmed and consultation.loss_confirmed:
        confirmed = [fact("defect_confirmed", True), fact("loss_confirmed", True)]
        note = "legitimate complaint about a confirmed defect that caused a loss: review liability"
        return [reason(RuleId.DAMAGES, config, config.liability, note, confirmed)]
    return []
