"""Personal data found by its shape in any free text: URLs, e-mail addresses, phone numbers,
postal codes and street addresses are removed; dates are coarsened to the month."""

import re

from services.privacy.domain.text_forms import replace
from shared.personal_data import EMAIL_PATTERN, PHONE_PATTERN

# Text is NFKC-folded before these run, so full-width forms arrive as ASCII.
URL = re.compile(r"(?:https?|ftp)://[^\s<>\"')」]+|www\.[^\s<>\"')」]+", re.IGNORECASE)
OBFUSCATED_EMAIL = re.compile(
    r"[\w.+%-]+\s{0,2}(?:\(at\)|\[at\]|\sat\s|アット)\s{0,2}[\w-]+"
    r"(?:\s{0,2}(?:\.|\(dot\)|\[dot\]|\sdot\s|ドット)\s{0,2}[\w-]+)+",
    re.IGNORECASE,
)
POSTAL_CODES = re.compile(
    r"〒\s*\d{3}\s*-?\s*\d{4}"  # Japan, marked
    r"|(?<![\d-])\d{3}-\d{4}(?![\d-])"  # Japan, unmarked: only with the hyphen
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"  # United Kingdom
    r"|\b[A-Z]{2}\s\d{5}(?:-\d{4})?\b"  # United States, after the state code
)
_KANJI = r"一-龥々〆ヶ"
_PREFECTURE = rf"(?:東京都|北海道|(?:京都|大阪)府|[{_KANJI}]{{2,3}}県)"
# A municipality, then anything up to block numbers: 千代田区丸の内1-2-3, 北区梅田2丁目4番9号.
_JP_BLOCK = r"\d+\s*(?:丁目|-|の)\s*\d+(?:\s*(?:番地?|-|の)\s*\d+)?(?:\s*(?:号|番地?))?"
JP_ADDRESS = re.compile(
    rf"{_PREFECTURE}?\s*[{_KANJI}ァ-ヴー]{{1,8}}[市区町村郡]"
    rf"[{_KANJI}ァ-ヴーぁ-ん\s]{{0,14}}?{_JP_BLOCK}"
    rf"|{_PREFECTURE}[{_KANJI}ァ-ヴーぁ-ん]{{1,14}}?{_JP_BLOCK}"
    rf"|\d+\s*丁目(?:\s*\d+\s*番地?)?(?:\s*\d+\s*号)?"
)
EN_ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][A-Za-z'.-]*\s+){1,4}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Close|Crescent|Square|Sq)\b\.?"
    r"(?:,?\s*(?:Apt|Apartment|Suite|Unit|Flat|#)\.?\s*[\w-]+)?"
)
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
