"""Test support: the ways a piece of personal data may be written, to scan stored bytes for."""

import unicodedata


def full_width(text: str) -> str:
    """ASCII letters, digits and symbols as their full-width forms (U+FF01 to U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in text)


def written_forms(value: str) -> set[str]:
    """`value` as given, NFKC-normalized, full-width, and with spaces or hyphens dropped."""
    compact = value.replace(" ", "").replace("-", "").replace("\u3000", "")
    forms = {value, compact, unicodedata.normalize("NFKC", value)}
    forms |= {full_width(form) for form in set(forms)}
    forms |= {value.replace(" ", "\u3000")}
    if compact.startswith("0") and compact.isdigit():
        forms.add("+81" + compact[1:])  # the E.164 spelling of a Japanese number
    return {form for form in forms if len(form) >= 4}


def leaks(data: bytes, secrets: list[str]) -> list[str]:
    """The written forms of `secrets` found in `data` (UTF-8 and UTF-16 are both checked)."""
    text = data.decode("utf-8", errors="replace")
    return sorted(
        form
        for secret in secrets
        for form in written_forms(secret)
        if form in text or form.encode("utf-16-le") in data
    )
