"""What counts as personal data, by field name or by shape: one list for redaction and scans."""

import re

REDACTED = "[redacted]"

# Exact field names (after normalisation) that carry identity, content or recordings.
PERSONAL_FIELD_NAMES = frozenset(
    {
        # identity
        "name",
        "first_name",
        "last_name",
        "full_name",
        "given_name",
        "family_name",
        "display_name",
        "customer_name",
        "contact_name",
        "email",
        "phone",
        "mobile",
        "telephone",
        "fax",
        "address",
        "postal_code",
        "zip",
        "zip_code",
        "birth_date",
        "date_of_birth",
        "ip",
        "customer",
        "contact",
        "requester",
        # content
        "body",
        "text",
        "content",
        "description",
        "comment",
        "comments",
        "note",
        "notes",
        "subject",
        "transcript",
        "free_text",
        "demand",
        "demand_details",
        "confidential_notes",
        "plaintext",
        # recording
        "recording",
        "recording_url",
    }
)

# Words that make any field personal wherever they appear in its name (customer_email, ...).
PERSONAL_FIELD_WORDS = frozenset({"email", "phone", "address", "plaintext", "confidential"})

EMAIL_PATTERN = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")

# 9 to 15 digits (E.164 allows 15) with single separators such as "090-1234-5678" or
# "+1 (555) 123-4567". Not preceded or followed by word characters, ':' '/' or '-', so
# dates, times, UUIDs, offsets and host:port pairs are left alone.
PHONE_PATTERN = re.compile(r"(?<![\w.:/+-])\+?\(?\d(?:[\s.()-]{0,2}\d){8,14}(?![\w:/-])")


def normalize_field_name(name: str) -> str:
    """Lower case, with '-' and ' ' read as '_' (HTTP headers, JSON keys and columns alike)."""
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def is_personal_field(name: str) -> bool:
    """True when a field of this name is to be treated as personal data."""
    normalized = normalize_field_name(name)
    if normalized in PERSONAL_FIELD_NAMES:
        return True
    return any(word in PERSONAL_FIELD_WORDS for word in normalized.split("_"))


def scrub_text(text: str) -> str:
    """`text` with every e-mail address and phone number replaced by the redaction marker."""
    return PHONE_PATTERN.sub(REDACTED, EMAIL_PATTERN.sub(REDACTED, text))
