"""Pattern rules: conduct found by a combination of parts within one sentence (a condition
and a harm, an amount and a demand verb, an invitation and a member of staff), so phrasing
no exact-term list anticipates is still caught. Each part is a lexicon (or the reserved part
`amount`, an amount of money found in the text); a combination is silent in a sentence that
holds a legitimate-complaint phrase of a kind it names in `unless`.

Linear in the text: sentence boundaries in one pass, every part hit placed in its sentence
by binary search, and a sentence cites the first hit of each part only."""

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Self

from pydantic import Field, model_validator

from services.policy.domain.lexicon import Document, Hit, Lexicon
from services.policy.domain.rule_config import Name, Names
from shared.frozen import FrozenModel

AMOUNT_PART = "amount"
# A sentence ends at 。 or ! and ? (full- or half-width), a line break, or a full stop
# followed by a space or the end ("$5.00" and "e.g" do not end one).
_SENTENCE_END = re.compile(r"[。\uff0e\uff01\uff1f!?\n]|\.(?=\s|$)")


class Combination(FrozenModel):
    category: Name
    parts: Names = Field(description="Every part must be found in the same sentence")
    unless: tuple[Name, ...] = Field(
        default=(), description="Legitimate-complaint phrase kinds that silence it in a sentence"
    )


class ConductPatterns(FrozenModel):
    parts: dict[Name, Lexicon]
    combinations: dict[Name, Combination]

    @model_validator(mode="after")
    def parts_exist(self) -> Self:
        known = set(self.parts) | {AMOUNT_PART}
        problems = [
            f"combination {name} names unknown parts: {', '.join(sorted(unknown))}"
            for name, combination in sorted(self.combinations.items())
            if (unknown := set(combination.parts) - known)
        ]
        if AMOUNT_PART in self.parts:
            problems.append(f"part {AMOUNT_PART} is reserved for amounts found in the text")
        if problems:
            raise ValueError("; ".join(problems))
        return self


@dataclass(frozen=True)
class Sentences:
    """Where the sentences of one document end, to place hits by their start."""

    field: str
    ends: tuple[int, ...]

    @classmethod
    def of(cls, document: Document) -> "Sentences":
        ends = tuple(m.end() for m in _SENTENCE_END.finditer(document.text))
        return cls(document.field, ends)

    def index(self, offset: int) -> int:
        return bisect_right(self.ends, offset)


def sentence_key(sentences: dict[str, Sentences]) -> Callable[[Hit], tuple[str, int]]:
    """The (field, sentence number) a hit starts in."""
    return lambda hit: (hit.field, sentences[hit.field].index(hit.start))


def combined(
    patterns: ConductPatterns,
    part_hits: Mapping[str, Sequence[Hit]],
    guard_hits: Mapping[str, Sequence[Hit]],
    where: Callable[[Hit], tuple[str, int]],
) -> dict[str, list[Hit]]:
    """Hits of every combination found, by conduct category: for each sentence holding every
    part of a combination (and no phrase of its `unless` kinds), the first hit of each part,
    named `<combination>: <term>`."""
    first: dict[str, dict[tuple[str, int], Hit]] = {}
    for part, hits in part_hits.items():
        placed = first.setdefault(part, {})
        for hit in sorted(hits):
            placed.setdefault(where(hit), hit)
    guarded = {kind: {where(hit) for hit in hits} for kind, hits in guard_hits.items()}
    found: dict[str, list[Hit]] = {}
    for name, combination in sorted(patterns.combinations.items()):
        shortest = min(combination.parts, key=lambda part: len(first.get(part, {})))
        for sentence in sorted(first.get(shortest, {})):
            if any(sentence not in first.get(part, {}) for part in combination.parts):
                continue
            if any(sentence in guarded.get(kind, set()) for kind in combination.unless):
                continue
            hits = found.setdefault(combination.category, [])
            for part in combination.parts:
                hit = first[part][sentence]
                hits.append(Hit(hit.field, hit.start, hit.end, f"{name}: {hit.term}"))
    return {category: sorted(set(hits)) for category, hits in found.items()}
