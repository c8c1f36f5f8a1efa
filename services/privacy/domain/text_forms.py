"""Free text as people write values in it: the forms one value may take (any width, spacing,
hyphenation, kana or digit script) as regular expressions, replacing what they match, and what
is personal by its shape alone (contact details, addresses; dates are coarsened to the month)."""

import re
import unicodedata
from collections.abc import Iterable

from shared.invisible import without_invisible
from shared.personal_data import (
    EMAIL_PATTERN,
    EN_ADDRESS,
    JP_ADDRESS,
    OBFUSCATED_EMAIL,
    PHONE_PATTERN,
    POSTAL_CODES,
    URL,
)

# Between any two characters of a value: nothing, or up to three spaces, hyphens, dashes or dots.
SEPARATOR = r"[\s\-\u2010-\u2015\u30fb\u00b7._]{0,3}"
DIGIT_SEPARATOR = r"[\s\-\u2010-\u2015.()]{0,2}"
# Kanji numerals map one to one onto digits, so a view with digits keeps every offset.
KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")
_HIRAGANA = range(0x3041, 0x3097)
_KATAKANA = range(0x30A1, 0x30F7)
_KANA_SHIFT = 0x60
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# What a value may be written with or without: dropped before its pattern is built.
_DROPPED = re.compile(r"[\s\-\u2010-\u2015\u30fb\u00b7._()]")


def folded(text: str) -> str:
    """NFKC: full-width Latin and digits become ASCII, half-width katakana full-width; and
    without invisible characters, which would split a value so that no pattern finds it
    (`Ja\u200bne`) and would survive into the anonymized copy."""
    return unicodedata.normalize("NFKC", without_invisible(text))


def kana_variants(text: str) -> set[str]:
    """`text` as written, all in hiragana, and all in katakana."""
    hiragana = "".join(chr(ord(c) - _KANA_SHIFT) if ord(c) in _KATAKANA else c for c in text)
    katakana = "".join(chr(ord(c) + _KANA_SHIFT) if ord(c) in _HIRAGANA else c for c in text)
    return {text, hiragana, katakana}


def loose(text: str, separator: str = SEPARATOR, *, bounded: bool = True) -> str:
    """A pattern for `text` with any separators between its characters (and none required);
    `bounded`: Latin words do not continue into neighbouring letters ("Ann" is not "Annual")."""
    chars = [c for c in text if not _DROPPED.fullmatch(c)]
    body = separator.join(re.escape(c) for c in chars)
    if not bounded:
        return body
    if chars and _ASCII_WORD.match(chars[0]):
        body = r"(?<![A-Za-z0-9])" + body
    if chars and _ASCII_WORD.match(chars[-1]):
        body += r"(?![A-Za-z0-9])"
    return body


def alternatives(patterns: Iterable[str]) -> str:
    """One group matching any of `patterns`, longest first so the fullest form wins."""
    unique = sorted({p for p in patterns if p}, key=lambda p: (-len(p), p))
    return "(?:" + "|".join(unique) + ")" if unique else "(?!)"


def replace(
    text: str, pattern: re.Pattern[str], placeholder: str, *, digit_view: bool = False
) -> str:
    """`text` with every match of `pattern` replaced by `placeholder`.

    With `digit_view`, matching runs on a copy whose kanji numerals are digits, so
    "〇九〇" is found as "090"; the replacement still cuts the original text.
    """
    source = text.translate(KANJI_DIGITS) if digit_view else text
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(source):
        if match.end() == match.start():
            continue
        pieces += [text[last : match.start()], placeholder]
        last = match.end()
    return "".join(pieces) + text[last:] if pieces else text


_MONTHS = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
DATES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*\d{1,2}\s*日"), r"\1年\2月"),
    (re.compile(r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2\d{1,2}(?![\d:])"), r"\1\2\3"),
    (re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/(\d{4})(?!\d)"), r"\1"),  # D/M or M/D: keep the year
    (re.compile(r"(?<!\d)(\d{1,2})\s*月\s*\d{1,2}\s*日"), r"\1月"),
    (re.compile(rf"\b{_MONTHS}\.?\s+{_ORDINAL},?\s+(\d{{4}})\b"), r"\1 \2"),
    (re.compile(rf"\b{_ORDINAL}\s+(?:of\s+)?{_MONTHS}\.?,?\s+(\d{{4}})\b"), r"\1 \2"),
    (re.compile(rf"\b{_MONTHS}\.?\s+{_ORDINAL}\b(?!:)"), r"\1"),
    (re.compile(rf"\b{_ORDINAL}\s+(?:of\s+)?{_MONTHS}\b"), r"\1"),
)


def remove_by_shape(text: str) -> str:
    """`text` (NFKC-folded) with contact details and addresses replaced by placeholders."""
    text = replace(text, URL, "[url]")
    text = replace(text, EMAIL_PATTERN, "[email]")
    text = replace(text, OBFUSCATED_EMAIL, "[email]")
    text = replace(text, PHONE_PATTERN, "[phone]")
    text = replace(text, POSTAL_CODES, "[postal-code]")
    text = replace(text, JP_ADDRESS, "[address]")
    return replace(text, EN_ADDRESS, "[address]")


def coarsen_dates(text: str) -> str:
    """Dates in `text` reduced to their month (or year, where day and month are ambiguous)."""
    for pattern, month in DATES:
        text = pattern.sub(month, text)
    return text
