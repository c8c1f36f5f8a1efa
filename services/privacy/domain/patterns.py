"""Personal data found by its shape in any free text: URLs, e-mail addresses, phone numbers,
postal codes and street addresses are removed (the shapes live in shared/personal_data.py,
which also refuses them in text kept in plaintext); dates are coarsened to the month."""

import re

from services.privacy.domain.text_forms import replace
from shared.personal_data import (
    EMAIL_PATTERN,
    EN_ADDRESS,
    JP_ADDRESS,
    OBFUSCATED_EMAIL,
    PHONE_PATTERN,
    POSTAL_CODES,
    URL,
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
