"""Free text privacy keeps in plaintext (hold matters, request references) names no person."""

from services.privacy.domain.errors import InvalidRequestError
from services.privacy.domain.text_forms import folded
from shared.kept_text import CONTACT_DETAILS_REASON
from shared.personal_data import has_contact_details


def refuse_contact_details(field: str, text: str | None) -> None:
    """Holds, requests and receipts are kept and published in plaintext, so text that looks
    like an e-mail address, a phone number, a postal code or an address is refused."""
    if text is not None and has_contact_details(folded(text)):
        raise InvalidRequestError(field, CONTACT_DETAILS_REASON)
