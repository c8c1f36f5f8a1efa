"""Lexicons of the policy file (Japanese and English terms) and finding them in free text."""

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.policy.domain.text_folding import (
    FoldedText,
    fold_all,
    fold_term,
    is_latin_word_char,
)


def _japanese_term(term: str) -> str:
    if not fold_term(term, japanese=True):
        raise ValueError("term is empty once spaces and punctuation are removed")
    if term.isascii():
        # Japanese terms match without word boundaries; an ASCII term there would match
        # inside English words, so it belongs in the `en` list.
        raise ValueError("term has no Japanese characters; put it in the `en` list")
    return term


def _english_term(term: str) -> str:
    if not fold_term(term, japanese=False):
        raise ValueError("term is empty once punctuation is removed")
    return term


JapaneseTerm = Annotated[str, AfterValidator(_japanese_term)]
EnglishTerm = Annotated[str, AfterValidator(_english_term)]


@dataclass(frozen=True)
class Document:
    """One free-text field, folded for Japanese matching, for English matching, and with
    every character kept (amounts), normalizing the text once."""

    field: str
    text: str
    japanese: FoldedText
    english: FoldedText
    plain: FoldedText

    @classmethod
    def of(cls, field: str, text: str) -> "Document":
        return cls(field, text, *fold_all(text))


@dataclass(frozen=True, order=True)
class Hit:
    """A term found in a document: `[start, end)` are offsets in the original text."""

    field: str
    start: int
    end: int
    term: str


class Lexicon(BaseModel):
    """Terms in Japanese (matched after folding, across spaces and punctuation) and English
    (matched case-insensitively on word boundaries)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ja: tuple[JapaneseTerm, ...] = ()
    en: tuple[EnglishTerm, ...] = ()

    @cached_property
    def _japanese(self) -> tuple[tuple[str, str], ...]:
        return tuple((term, fold_term(term, japanese=True)) for term in self.ja)

    @cached_property
    def _english(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple(
            (term, re.compile(re.escape(fold_term(term, japanese=False)))) for term in self.en
        )

    def find(self, document: Document) -> list[Hit]:
        """Every occurrence of every term, without hits lying inside a longer hit."""
        hits: list[Hit] = []
        folded = document.japanese
        for term, needle in self._japanese:
            at = folded.chars.find(needle)
            while at >= 0:
                hits.append(Hit(document.field, *folded.original_span(at, at + len(needle)), term))
                at = folded.chars.find(needle, at + 1)
        folded = document.english
        for term, pattern in self._english:
            for match in pattern.finditer(folded.chars):
                if _on_word_boundaries(folded.chars, match.start(), match.end()):
                    hits.append(Hit(document.field, *folded.original_span(*match.span()), term))
        return outermost(hits)


def _on_word_boundaries(chars: str, start: int, end: int) -> bool:
    before = chars[start - 1] if start > 0 else " "
    after = chars[end] if end < len(chars) else " "
    return not is_latin_word_char(before) and not is_latin_word_char(after)


def outermost(hits: list[Hit]) -> list[Hit]:
    """Sorted hits, dropping any that lies inside another (殺す inside 殺すぞ).

    One sweep, not a comparison of every pair (a body of one repeated term has tens of
    thousands of hits): sorted by start, longest first, a hit lies inside an earlier one
    exactly when it ends no later than the furthest end reached so far in its field."""
    ordered = sorted(set(hits), key=lambda hit: (hit.field, hit.start, -hit.end, hit.term))
    kept: list[Hit] = []
    reach: dict[str, int] = {}
    for hit in ordered:
        if hit.end > reach.get(hit.field, -1):
            kept.append(hit)
            reach[hit.field] = hit.end
    return kept


def covered_by(shields: Iterable[Hit]) -> Callable[[Hit], bool]:
    """A test of whether a hit lies inside one of `shields` (benign phrases, complaints).

    Sort and sweep: per field, the shields' starts in order and the furthest end reached by
    any shield starting there or before; a hit is inside a shield exactly when that reach,
    at the last shield starting no later than the hit, covers the hit's end. Each test is a
    binary search, so shielding n hits by m phrases costs (n + m) log m, not n times m."""
    starts: dict[str, list[int]] = {}
    reaches: dict[str, list[int]] = {}
    for shield in sorted(shields, key=lambda hit: (hit.field, hit.start)):
        field_starts = starts.setdefault(shield.field, [])
        field_reaches = reaches.setdefault(shield.field, [])
        field_starts.append(shield.start)
        field_reaches.append(max(shield.end, field_reaches[-1]) if field_reaches else shield.end)

    def covers(hit: Hit) -> bool:
        index = bisect_right(starts.get(hit.field, ()), hit.start) - 1
        return index >= 0 and reaches[hit.field][index] >= hit.end

    return covers


class BilingualLexicon(Lexicon):
    """A lexicon that must have both Japanese and English terms."""

    ja: tuple[JapaneseTerm, ...] = Field(min_length=1)
    en: tuple[EnglishTerm, ...] = Field(min_length=1)
