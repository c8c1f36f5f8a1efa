"""Free text privacy keeps in plaintext (hold matters, request references) names no person."""

from services.privacy.domain.errors import InvalidRequestError
from services.privacy.domain.patterns import remove_by_shape
from services.privacy.domain.text_forms import folded


def refuse_contact_details(field: str, text: str | None) -> None:
    """Holds, requests and receipts are kept and published in plaintext, so text that looks
    like an e-mail address, a phone number, a postal code or an address is refused."""
    if text is not None and remove_by_shape(folded(text)) != folded(text):
        raise InvalidRequestError(field, "name the matter or reference, not a person's details")
