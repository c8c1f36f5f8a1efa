"""Rules on who and how: channel, identity and relationship scope, confidential information
and the retention of call recordings."""

from services.policy.domain.catalogue import Action, RuleId
from services.policy.domain.decision import (
    Bilingual,
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


def channel(consultation: ConsultationFacts, policy: Policy) -> list[Reason]:
    config = policy.rules.channel
    if consultation.channel in config.allowed:
        return []
    accepted = ", ".join(config.allowed)
    note = Bilingual(
        en=f"channel not accepted; accepted channels: {accepted}",
        ja=f"受け付けていない窓口です。受付窓口: {accepted}",
    )
    return [
        reason(RuleId.CHANNEL, config, config.effect, note, [fact("channel", consultation.channel)])
    ]


def scope_identity(consultation: ConsultationFacts, policy: Policy) -> list[Reason]:
    config = policy.rules.scope_identity
    evidence: list[FactEvidence] = []
    if config.require_name and not consultation.has_name:
        evidence.append(fact("has_name", False))
    if config.require_email_or_phone and not consultation.has_email_or_phone:
        evidence.append(fact("has_email_or_phone", False))
    if not evidence:
        return []
    note = Bilingual(
        en="anonymous or unidentified: a name and an e-mail address or phone number are needed",
        ja="匿名または身元不明: 氏名と、メールアドレスまたは電話番号が必要",
    )
    return [reason(RuleId.SCOPE_IDENTITY, config, config.effect, note, evidence)]


def scope_relationship(consultation: ConsultationFacts, policy: Policy) -> list[Reason]:
    config = policy.rules.scope_relationship
    relationship = consultation.relationship
    if relationship in config.allowed:
        return []
    evidence = [fact("relationship", relationship)]
    if relationship in config.undetermined:
        note = Bilingual(
            en="relationship not established; ask whether they bought or plan to buy",
            ja="関係が確認できていない。購入済みか購入予定かを尋ねる",
        )
        return [
            reason(RuleId.SCOPE_RELATIONSHIP, config, config.undetermined_effect, note, evidence)
        ]
    answered = ", ".join(config.allowed)
    note = Bilingual(
        en=f"out of scope: only {answered} customers are answered",
        ja=f"対象外: 回答するのは {answered} のお客様のみ",
    )
    return [reason(RuleId.SCOPE_RELATIONSHIP, config, config.effect, note, evidence)]


def confidentiality(
    consultation: ConsultationFacts, findings: TextFindings, policy: Policy
) -> list[Reason]:
    config = policy.rules.confidentiality
    evidence: list[FactEvidence] = []
    if consultation.has_confidential_info:
        evidence.append(fact("has_confidential_info", True))
    markers = text_evidence(findings.confidential, "confidential_marker")
    if not evidence and not markers:
        return []
    note = Bilingual(
        en="customer-designated confidential information: restrict like personal data",
        ja="お客様が秘密と指定した情報: 個人情報と同様に制限する",
    )
    return [reason(RuleId.CONFIDENTIALITY, config, config.effect, note, [*evidence, *markers])]


def recording_retention(consultation: ConsultationFacts, policy: Policy) -> list[Reason]:
    config = policy.rules.recording
    call = consultation.call
    if call is None or not call.recorded:
        return []
    present = {"reference": call.has_recording_reference, "digest": call.has_recording_digest}
    missing = [item for item in config.keep if not present[item]]
    effect = config.retained
    if missing:
        effect = Effect(outcome=effect.outcome, actions=(*effect.actions, Action.COMPLETE_RECORD))
    evidence = [fact("call.recorded", True), *(fact(f"recording.{m}", "missing") for m in missing)]
    note = Bilingual(
        en=f"call recorded: keep its {' and '.join(config.keep)}",
        ja=f"通話は録音済み: {'・'.join(config.keep)} を保管する",
    )
    return [reason(RuleId.RECORDING, config, effect, note, evidence)]
