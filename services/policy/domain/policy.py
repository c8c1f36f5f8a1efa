"""The policy: the guideline's rules with their thresholds and lexicons, and its version,
the SHA-256 of its canonical form, which every decision carries."""

import hashlib
import json
from functools import cached_property
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from services.policy.domain.articles import Article, Bilingual, missing_articles
from services.policy.domain.catalogue import Action
from services.policy.domain.conduct_config import ConductRule, LegitimateComplaintRule
from services.policy.domain.rule_config import (
    ChannelRule,
    ConfidentialityRule,
    DamagesRule,
    DemandProportionalityRule,
    DemandValidityRule,
    EvidenceLimits,
    RecordCompletenessRule,
    RecordingRule,
    RepeatRule,
    RuleConfig,
    ScopeIdentityRule,
    ScopeRelationshipRule,
    TerminationRule,
    TimeRestraintRule,
)
from shared.frozen import FrozenModel


class Rules(FrozenModel):
    """One entry per catalogue rule, keyed by the rule id."""

    channel: ChannelRule
    scope_identity: ScopeIdentityRule = Field(alias="scope-identity")
    scope_relationship: ScopeRelationshipRule = Field(alias="scope-relationship")
    conduct: ConductRule
    legitimate_complaint: LegitimateComplaintRule = Field(alias="legitimate-complaint")
    demand_validity: DemandValidityRule = Field(alias="demand-validity")
    demand_proportionality: DemandProportionalityRule = Field(alias="demand-proportionality")
    repeat: RepeatRule
    time_restraint: TimeRestraintRule = Field(alias="time-restraint")
    termination: TerminationRule
    record_completeness: RecordCompletenessRule = Field(alias="record-completeness")
    recording: RecordingRule
    confidentiality: ConfidentialityRule
    damages: DamagesRule

    def citations(self) -> list[str]:
        """What each rule cites, in catalogue order."""
        rules: list[RuleConfig] = [getattr(self, name) for name in type(self).model_fields]
        return [rule.article for rule in rules]

    @field_validator("legitimate_complaint", "recording", "damages")
    @classmethod
    def categories_exist(cls, rule: RuleConfig, info: ValidationInfo) -> RuleConfig:
        conduct: ConductRule | None = info.data.get("conduct")
        if conduct is None:
            return rule  # conduct is invalid itself, and reported
        problems = [
            f"{key} names unknown conduct categories: {', '.join(sorted(unknown))}"
            for key, names in rule.conduct_categories_named().items()
            if (unknown := set(names) - set(conduct.categories))
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return rule

    @field_validator("legitimate_complaint")
    @classmethod
    def pattern_guards_exist(
        cls, rule: LegitimateComplaintRule, info: ValidationInfo
    ) -> LegitimateComplaintRule:
        conduct: ConductRule | None = info.data.get("conduct")
        combinations = conduct.patterns.combinations if conduct and conduct.patterns else {}
        named = {kind for combination in combinations.values() for kind in combination.unless}
        if unknown := named - set(rule.phrases):
            raise ValueError(
                f"conduct patterns' unless names unknown phrase kinds: {', '.join(sorted(unknown))}"
            )
        return rule

    @field_validator("damages")
    @classmethod
    def phrase_kinds_exist(cls, rule: DamagesRule, info: ValidationInfo) -> DamagesRule:
        complaint: LegitimateComplaintRule | None = info.data.get("legitimate_complaint")
        if complaint is not None and (unknown := set(rule.demand_phrases) - set(complaint.phrases)):
            raise ValueError(
                f"demand_phrases names unknown phrase kinds: {', '.join(sorted(unknown))}"
            )
        return rule


class Guideline(FrozenModel):
    title: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Retention(FrozenModel):
    """Hints for the privacy service; policy itself does not act on them."""

    case_records_years_after_closure: int = Field(ge=1)
    call_recordings_years: int = Field(ge=1)
    anonymize_for_business_use: bool = True


class Policy(FrozenModel):
    """A validated policy file."""

    schema_version: Literal[1]
    guideline: Guideline
    retention: Retention
    rules: Rules
    # Optional, and left out of the canonical form when absent: files written before the
    # limits existed keep their version, and are decided under the default limits.
    evidence: EvidenceLimits | None = None
    # Optional in the model, left out of the canonical form when absent, so versions stated
    # before they existed load again for replay and decide in English only, as they did
    # (their decisions replay byte for byte); `load_policy` requires them of a file.
    articles: dict[str, Article] | None = None
    instructions: dict[Action, Bilingual] | None = None

    @field_validator("articles")
    @classmethod
    def cited_articles_stated(
        cls, articles: dict[str, Article] | None, info: ValidationInfo
    ) -> dict[str, Article] | None:
        rules: Rules | None = info.data.get("rules")
        if articles is None or rules is None:
            return articles  # absent (an older version), or the rules are invalid and reported
        if missing := missing_articles(rules.citations(), articles):
            raise ValueError(f"no title and summary for {', '.join(missing)}, which rules cite")
        return articles

    @field_validator("instructions")
    @classmethod
    def every_action_instructed(
        cls, instructions: dict[Action, Bilingual] | None
    ) -> dict[Action, Bilingual] | None:
        if instructions is not None and (
            unstated := [action for action in Action if action not in instructions]
        ):
            raise ValueError(f"no instruction for {', '.join(unstated)}")
        return instructions

    @model_validator(mode="after")
    def articles_with_instructions(self) -> "Policy":
        if (self.articles is None) != (self.instructions is None):
            raise ValueError("articles and instructions are stated together, or neither")
        return self

    @property
    def evidence_limits(self) -> EvidenceLimits:
        return self.evidence or EvidenceLimits()

    def canonical_json(self) -> str:
        """Sorted keys, no whitespace: comments, layout and key order in the file do not count."""
        data = self.model_dump(mode="json", by_alias=True)
        for optional in ("evidence", "articles", "instructions"):
            if data[optional] is None:
                del data[optional]
        return json.dumps(
            data,
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @cached_property
    def version(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
