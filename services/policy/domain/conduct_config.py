"""Settings of the text rules: conduct categories with their lexicons, and the
legitimate-complaint guard that keeps firm complaints from reading as misconduct."""

from typing import Self

from pydantic import Field, model_validator

from services.policy.domain.lexicon import BilingualLexicon, Lexicon
from services.policy.domain.patterns import ConductPatterns
from services.policy.domain.rule_config import Effect, Name, Names, RuleConfig
from shared.frozen import FrozenModel


class CategoryEffect(FrozenModel):
    """A conduct category's effect; `first_offence` (optional) applies when the subject has no
    earlier conduct finding, so a first mild insult can be met with a warning."""

    effect: Effect
    first_offence: Effect | None = None


class ConductRule(RuleConfig):
    categories: dict[Name, CategoryEffect]
    lexicons: dict[Name, BilingualLexicon]
    # Phrases in which a conduct term is innocent (ところすぐ contains ころす); a hit inside
    # one of them is dropped whatever its category.
    benign: Lexicon = Lexicon()
    # Optional, and left out of the canonical form when absent: files written before pattern
    # rules existed keep their version.
    patterns: ConductPatterns | None = Field(default=None, exclude_if=lambda value: value is None)

    @model_validator(mode="after")
    def categories_match_lexicons(self) -> Self:
        combinations = self.patterns.combinations if self.patterns else {}
        unknown = {c.category for c in combinations.values()} - set(self.categories)
        problems = [
            f"{what}: {', '.join(sorted(names))}"
            for what, names in (
                ("categories without a lexicon", set(self.categories) - set(self.lexicons)),
                ("lexicons without a category", set(self.lexicons) - set(self.categories)),
            )
            if names
        ]
        if unknown:
            problems.append(f"patterns name unknown categories: {', '.join(sorted(unknown))}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class LegitimateComplaintRule(RuleConfig):
    """Phrases of firm complaints, refund or exchange demands, requests for explanation and
    announced legal steps, by kind. A conduct hit inside one of them is part of a legitimate
    complaint and dropped, unless its category is listed in `cannot_shield`."""

    phrases: dict[Name, BilingualLexicon]
    demand_types: tuple[Name, ...] = ()
    cannot_shield: Names
    effect: Effect

    def conduct_categories_named(self) -> dict[str, tuple[str, ...]]:
        return {"cannot_shield": self.cannot_shield}
