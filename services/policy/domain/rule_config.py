"""Settings of the rules that judge facts rather than text, as the policy file states them."""

from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from services.policy.domain.catalogue import Action, Outcome
from services.policy.domain.lexicon import Lexicon
from shared.frozen import FrozenModel

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Names = Annotated[tuple[Name, ...], Field(min_length=1)]


class Effect(FrozenModel):
    """What a rule does when it fires: an outcome and the follow-up actions."""

    outcome: Outcome
    actions: tuple[Action, ...] = ()


class EvidenceLimits(FrozenModel):
    """How many text fragments one decision cites. A decision is published and kept in the
    log forever: a body of one repeated term must not make it megabytes long. Fragments past
    a limit are counted in their reason (`Reason.evidence_omitted`), not cited."""

    per_category: int = Field(default=20, ge=1, description="In one reason, per category")
    per_decision: int = Field(default=100, ge=1, description="In all reasons together")


class RuleConfig(FrozenModel):
    """Every rule cites the guideline article it applies, and may name further sources."""

    article: str = Field(min_length=1)
    sources: tuple[str, ...] = ()

    def conduct_categories_named(self) -> dict[str, tuple[str, ...]]:
        """Settings that name conduct categories, checked against the conduct rule."""
        return {}


class ChannelRule(RuleConfig):
    allowed: Names
    effect: Effect


class ScopeIdentityRule(RuleConfig):
    require_name: bool = True
    require_email_or_phone: bool = True
    effect: Effect


class ScopeRelationshipRule(RuleConfig):
    allowed: Names
    undetermined: tuple[Name, ...] = ()
    effect: Effect
    undetermined_effect: Effect


class DemandValidityRule(RuleConfig):
    requires_fault: tuple[Name, ...]
    unverified: Effect
    invalid: Effect


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Rate = Annotated[float, Field(gt=0)]


def _absent(value: object) -> bool:
    return value is None


class ExchangeRates(FrozenModel):
    """Fixed rates the policy states (and versions): one unit of each currency in `base`."""

    base: Currency
    rates: dict[Currency, Rate]

    def convert(self, amount: Decimal, source: str, target: str) -> Decimal | None:
        """`amount` in `source` expressed in `target`; None when either rate is not stated."""
        rate = {**{c: Decimal(str(r)) for c, r in self.rates.items()}, self.base: Decimal(1)}
        if source not in rate or target not in rate:
            return None
        return amount * rate[source] / rate[target]


class DemandProportionalityRule(RuleConfig):
    max_ratio_to_price: dict[Name, Annotated[float, Field(gt=0)]]
    loss_lifts_limit: tuple[Name, ...] = ()
    needs_supervisor: tuple[Name, ...] = ()
    excessive: Effect
    unknown_price: Effect
    # Optional, and left out of the canonical form when absent, so that files written
    # before them keep their version.
    exchange_rates: ExchangeRates | None = Field(
        default=None, exclude_if=_absent, description="To compare a demand and a price"
    )
    ceilings: dict[Currency, Rate] | None = Field(
        default=None, exclude_if=_absent, description="Above it a demand is excessive, per currency"
    )
    text_demand_type: Name | None = Field(
        default=None,
        exclude_if=_absent,
        description="An amount stated in the text next to a demand phrase, with no structured"
        " demand, is judged as a demand of this type",
    )


class RepeatRule(RuleConfig):
    warn_at: int = Field(ge=1)
    refuse_at: int = Field(ge=1)
    warn: Effect
    refuse: Effect

    @model_validator(mode="after")
    def refuse_after_warning(self) -> Self:
        if self.refuse_at <= self.warn_at:
            raise ValueError("refuse_at must be greater than warn_at")
        return self


class TimeRestraintRule(RuleConfig):
    minutes_after_final_answer: int = Field(ge=1)
    effect: Effect


PersuasionBasis = Literal["repeat", "time-restraint", "supervisor_approval"]


class TerminationRule(RuleConfig):
    persuasion_difficult_needs_final_answer: bool = True
    persuasion_difficult_bases: Annotated[tuple[PersuasionBasis, ...], Field(min_length=1)]
    closed: Effect
    refused: Effect


RecordItem = Literal["content", "times", "customer", "channel", "handler"]


class RecordCompletenessRule(RuleConfig):
    required: Annotated[tuple[RecordItem, ...], Field(min_length=1)]
    incomplete: Effect


class RecordingRule(RuleConfig):
    keep: tuple[Literal["reference", "digest"], ...]
    retained: Effect
    publication: Lexicon
    publication_counts_as: Name
    publication_effect: Effect

    def conduct_categories_named(self) -> dict[str, tuple[str, ...]]:
        return {"publication_counts_as": (self.publication_counts_as,)}


class ConfidentialityRule(RuleConfig):
    markers: Lexicon
    effect: Effect


class DamagesRule(RuleConfig):
    liability: Effect
    malicious_categories: Names
    demand_phrases: tuple[Name, ...] = ()
    malicious: Effect

    def conduct_categories_named(self) -> dict[str, tuple[str, ...]]:
        return {"malicious_categories": self.malicious_categories}
