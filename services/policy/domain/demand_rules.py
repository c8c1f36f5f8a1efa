"""Rules on what the customer demands: validity (is there a fault?), proportionality (is the
demand in measure?) and damages (liability review, or a malicious demand for legal action)."""

from decimal import Decimal

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import (
    Bilingual,
    Evidence,
    Reason,
    fact,
    reason,
    text_evidence,
)
from services.policy.domain.facts import ConsultationFacts
from services.policy.domain.money import Amount
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
        note = Bilingual(
            en="invalid: the demand is unrelated to the product",
            ja="不当: 要求は商品と関係がない",
        )
        return [reason(RuleId.DEMAND_VALIDITY, config, config.invalid, note, evidence)]
    if consultation.defect_confirmed is False:
        evidence.append(fact("defect_confirmed", False))
        note = Bilingual(
            en="invalid: no defect or fault was found",
            ja="不当: 欠陥も過失も見つからなかった",
        )
        return [reason(RuleId.DEMAND_VALIDITY, config, config.invalid, note, evidence)]
    if consultation.defect_confirmed is None:
        evidence.append(fact("defect_confirmed", "unknown"))
        note = Bilingual(
            en="defect or fault not established yet: check the facts before answering",
            ja="欠陥・過失はまだ確認されていない: 回答の前に事実を確認する",
        )
        return [reason(RuleId.DEMAND_VALIDITY, config, config.unverified, note, evidence)]
    return []


def demand_proportionality(
    consultation: ConsultationFacts, findings: TextFindings, policy: Policy
) -> list[Reason]:
    config = policy.rules.demand_proportionality
    demand = consultation.demand
    stated = _stated_amount(consultation, findings, policy)
    demand_type = demand.type if demand is not None else config.text_demand_type
    if demand_type is None or (demand is None and stated is None):
        return []

    def finding(effect: Effect, note: Bilingual, *evidence: Evidence) -> Reason:
        cited = (fact("demand.type", demand_type), *evidence)
        return reason(RuleId.DEMAND_PROPORTIONALITY, config, effect, note, cited)

    reasons = []
    if demand_type in config.needs_supervisor and not consultation.supervisor_approved:
        note = Bilingual(
            en=f"a {demand_type} demand goes beyond a normal answer without supervisor approval",
            ja=f"{demand_type} の要求は、責任者の承認なしには通常の対応を超える",
        )
        reasons.append(finding(config.excessive, note, fact("supervisor_approved", False)))
    if stated is None:
        return reasons
    amount, currency, source = stated
    ceiling = (config.ceilings or {}).get(currency)
    if ceiling is not None and amount > Decimal(str(ceiling)):
        limit = _plain(Decimal(str(ceiling)))
        note = Bilingual(
            en=f"amount demanded exceeds the ceiling of {limit} {currency} the policy sets",
            ja=f"要求額がポリシーの上限 {limit} {currency} を超えている",
        )
        reasons.append(finding(config.excessive, note, *source))
    ratio = config.max_ratio_to_price.get(demand_type)
    lifted = demand_type in config.loss_lifts_limit and consultation.loss_confirmed is True
    if ratio is None or lifted:
        return reasons
    price = consultation.product.price if consultation.product else None
    rates = config.exchange_rates
    compared = None
    if price is not None:
        compared = (
            amount
            if price.currency == currency
            else rates.convert(amount, currency, price.currency)
            if rates is not None
            else None
        )
    if price is None or compared is None:
        note = Bilingual(
            en="amount demanded cannot be compared with the price paid: establish the price",
            ja="要求額を購入価格と比べられない: 価格を確認する",
        )
        return [*reasons, finding(config.unknown_price, note, fact("product.price", "unknown"))]
    if compared > price.amount * Decimal(str(ratio)):
        loss = "unknown" if consultation.loss_confirmed is None else consultation.loss_confirmed
        note = Bilingual(
            en=f"amount demanded exceeds {ratio} x the price paid without a confirmed loss",
            ja=f"損害が確認されていないのに、要求額が購入価格の {ratio} 倍を超えている",
        )
        converted = (
            [fact("demand.amount_in_price_currency", f"{_plain(compared)} {price.currency}")]
            if currency != price.currency
            else []
        )
        amounts = (
            *source,
            *converted,
            fact("product.price", f"{price.amount} {price.currency}"),
            fact("loss_confirmed", loss),
        )
        reasons.append(finding(config.excessive, note, *amounts))
    return reasons


def _plain(amount: Decimal) -> str:
    """2 decimals at most, no exponent, no trailing zeros: 75000, 3.33."""
    return f"{amount.quantize(Decimal('0.01')).normalize():f}"


def _stated_amount(
    consultation: ConsultationFacts, findings: TextFindings, policy: Policy
) -> tuple[Decimal, str, list[Evidence]] | None:
    """The amount demanded: the structured one, else (when the policy reads amounts in the
    text: `text_demand_type` set) the largest amount in the text, and with no structured
    demand only one stated in a sentence with a demand phrase; else None. Policies without
    the setting decide as they did before amounts were read, so their decisions replay."""
    demand = consultation.demand
    if demand is not None and demand.amount is not None:
        money = demand.amount
        stated = fact("demand.amount", f"{money.amount} {money.currency}")
        return money.amount, money.currency, [stated]
    if policy.rules.demand_proportionality.text_demand_type is None:
        return None
    candidates = findings.amounts
    if demand is None:
        kinds = policy.rules.damages.demand_phrases
        sentences = {
            findings.sentence_of(hit) for kind in kinds for hit in findings.complaint.get(kind, [])
        }
        candidates = [a for a in candidates if findings.sentence_of(a.hit) in sentences]
    if not candidates:
        return None
    rates = policy.rules.demand_proportionality.exchange_rates

    def weight(candidate: Amount) -> Decimal:
        if rates is None:
            return candidate.value
        return rates.convert(candidate.value, candidate.currency, rates.base) or candidate.value

    largest = max(candidates, key=lambda a: (weight(a), -a.hit.start))
    cited: list[Evidence] = [
        *text_evidence([largest.hit], "amount"),
        fact("demand.amount", f"{_plain(largest.value)} {largest.currency}"),
    ]
    return largest.value, largest.currency, cited


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
        kinds = ", ".join(malicious)
        note = Bilingual(
            en=f"malicious unjust demand ({kinds}): candidate for legal action",
            ja=f"悪質な不当要求 ({kinds}): 法的措置の候補",
        )
        return [reason(RuleId.DAMAGES, config, config.malicious, note, evidence)]
    if legitimate and not found and consultation.defect_confirmed and consultation.loss_confirmed:
        confirmed = [fact("defect_confirmed", True), fact("loss_confirmed", True)]
        note = Bilingual(
            en="legitimate complaint about a confirmed defect that caused a loss: review liability",
            ja="損害を生じた確認済みの欠陥についての正当な苦情: 賠償責任を検討する",
        )
        return [reason(RuleId.DAMAGES, config, config.liability, note, confirmed)]
    return []
