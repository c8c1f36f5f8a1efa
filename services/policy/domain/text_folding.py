"""Folding text for matching (NFKC, case, katakana to hiragana) while keeping each folded
character's span in the original string, so evidence can point at what the customer wrote."""

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_KATAKANA = range(0x30A1, 0x30F7)  # ァ..ヶ map onto ぁ..ゖ by a fixed offset
_ITERATION_MARKS = {"ヽ": "ゝ", "ヾ": "ゞ"}
_LATIN_WORD = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class FoldedText:
    """Folded characters; `starts[i]`/`ends[i]` give the original span of `chars[i]`."""

    chars: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original `[start, end)` covered by folded characters `[start, end)`."""
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    folded = char.casefold()
    if len(folded) == 1 and ord(folded) in _KATAKANA:
        return chr(ord(folded) - 0x60)
    return _ITERATION_MARKS.get(folded, folded)


# Folding is pure, and text repeats its characters: caching them makes a long body cost
# one dictionary look-up per character rather than a normalization.
_nfkc = lru_cache(maxsize=8192)(lambda char: unicodedata.normalize("NFKC", char))
_combining = lru_cache(maxsize=8192)(unicodedata.combining)
_category = lru_cache(maxsize=8192)(unicodedata.category)


def _base_fold(text: str) -> list[tuple[str, int, int]]:
    """NFKC per character, recomposing what NFKC splits off (half-width ﾞ and ﾟ), then fold."""
    out: list[tuple[str, int, int]] = []
    for index, original in enumerate(text):
        for char in _nfkc(original):
            if _combining(char):
                # Whole-string NFKC would compose ｶﾞ into ガ; per character we must do it here.
                if out:
                    composed = unicodedata.normalize("NFC", out[-1][0] + char)
                    if len(composed) == 1:
                        out[-1] = (composed, out[-1][1], index + 1)
                continue
            out.append((char, index, index + 1))
    return [(folded, start, end) for char, start, end in out for folded in _fold_char(char)]


def fold_all(text: str) -> tuple[FoldedText, FoldedText, FoldedText]:
    """`fold_japanese(text)`, `fold_english(text)` and the folded text with every character
    kept (for amounts, where "$", "," and "." count), normalizing the text once for all."""
    base = _base_fold(text)
    return _japanese(base), _english(base), _plain(base)


def _plain(base: list[tuple[str, int, int]]) -> FoldedText:
    return FoldedText(
        "".join(char for char, _, _ in base),
        tuple(start for _, start, _ in base),
        tuple(end for _, _, end in base),
    )


def fold_japanese(text: str) -> FoldedText:
    """Letters and digits only: spaces, punctuation and symbols dropped, so that 'こ ろ す'
    and 'こ、ろ、す' read as 'ころす' (Japanese has no word boundaries to lose)."""
    return _japanese(_base_fold(text))


def _japanese(base: list[tuple[str, int, int]]) -> FoldedText:
    kept = [item for item in base if _category(item[0])[0] in "LN"]
    return FoldedText(
        "".join(char for char, _, _ in kept),
        tuple(start for _, start, _ in kept),
        tuple(end for _, _, end in kept),
    )


def fold_english(text: str) -> FoldedText:
    """Letters and digits kept; every run of anything else becomes one space, so phrases match
    across punctuation and line breaks while word boundaries survive."""
    return _english(_base_fold(text))


def _english(base: list[tuple[str, int, int]]) -> FoldedText:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for char, start, end in base:
        if char.isalnum():
            chars.append(char)
            starts.append(start)
            ends.append(end)
        elif chars and chars[-1] == " ":
            ends[-1] = end
        else:
            chars.append(" ")
            starts.append(start)
            ends.append(end)
    return FoldedText("".join(chars), tuple(starts), tuple(ends))


def fold_term(term: str, japanese: bool) -> str:
    """A lexicon term folded exactly as text is, so that the two compare."""
    return (fold_japanese(term) if japanese else fold_english(term)).chars.strip()


def is_latin_word_char(char: str) -> bool:
    """Word boundaries for English terms: a Japanese letter next to a term is a boundary."""
    return char in _LATIN_WORD or "\u00c0" <= char <= "\u024f"
