"""Free text kept in plaintext for good (reveal purposes, hold matters, request references):
a reference such as 令和8年(ワ)第123号 or "DSAR-2031-7", never a person's details."""

import unicodedata

from shared.personal_data import has_contact_details

CONTACT_DETAILS_REASON = "name the matter or reference, not a person's details"
# Control, format (zero-width, bidirectional), line and paragraph separators, private-use,
# surrogate and unassigned code points: text that reads as one thing and is stored as another.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def kept_text_problem(text: str, *, max_chars: int) -> str | None:
    """Why `text` (already stripped) cannot be kept, or None if it can. The reasons never
    repeat the text."""
    if not text:
        return "must not be empty or only spaces"
    if len(text) > max_chars:
        return f"must be at most {max_chars} characters"
    if any(unicodedata.category(character) in _UNPRINTABLE for character in text):
        return "must be visible text, without control or invisible characters"
    if has_contact_details(text):
        return CONTACT_DETAILS_REASON
    return None
