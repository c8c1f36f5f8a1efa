"""What counts as personal data, by field name or by shape: one list for redaction and scans."""

import re
import unicodedata

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


# Contact details and addresses by shape, for privacy's anonymizer and for `has_contact_details`.
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
CONTACT_SHAPES = (
    URL,
    EMAIL_PATTERN,
    OBFUSCATED_EMAIL,
    PHONE_PATTERN,
    POSTAL_CODES,
    JP_ADDRESS,
    EN_ADDRESS,
)


def has_contact_details(text: str) -> bool:
    """True if `text` holds anything shaped like an e-mail address, a phone number, a URL, a
    postal code or a street address (in any width: it is NFKC-folded first)."""
    folded = unicodedata.normalize("NFKC", text)
    return any(shape.search(folded) for shape in CONTACT_SHAPES)


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
