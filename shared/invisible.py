"""Characters that print as nothing: Unicode format characters (category Cf: zero-width
space and joiners, bidi marks, soft hyphen, tags, BOM), variation selectors and the Hangul
fillers. Written into an identity they make a second spelling of one person; written into
text they split a name so no pattern finds it. Matching and hashing drop them; identity
fields refuse them."""

import unicodedata

# Variation selectors (Mn, not Cf): VS1-16, the Mongolian free variation selectors, VS17-256.
_SELECTORS = ((0xFE00, 0xFE0F), (0x180B, 0x180F), (0xE0100, 0xE01EF))
# Letters by category (Lo), blank by design: used as "invisible names".
_FILLERS = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0})
INVISIBLE_REASON = "must not contain invisible characters (zero-width, format or variation)"


def is_invisible(character: str) -> bool:
    point = ord(character)
    return (
        unicodedata.category(character) == "Cf"
        or point in _FILLERS
        or any(low <= point <= high for low, high in _SELECTORS)
    )


def without_invisible(text: str) -> str:
    """`text` with every invisible character removed (ASCII text is returned as it is)."""
    if text.isascii():
        return text
    return "".join(character for character in text if not is_invisible(character))


def has_invisible(text: str) -> bool:
    return not text.isascii() and any(is_invisible(character) for character in text)


def refuse_invisible(value: str) -> str:
    """A pydantic after-validator for identity fields; the message never quotes the value."""
    if has_invisible(value):
        raise ValueError(INVISIBLE_REASON)
    return value
