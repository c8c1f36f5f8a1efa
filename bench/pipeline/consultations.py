"""Consultations on the ingress topic, in caselog's own JSON format (docs/webhooks.md): one per
customer unless a customer is given, each with its own ticket id."""

import json
from dataclasses import dataclass

from services.intake.entrypoints.examples import ENGLISH
from shared.bus.messages import OutgoingMessage
from shared.settings import DEFAULT_TOPICS

PLATFORM = "bench"


@dataclass(frozen=True)
class Customer:
    name: str
    email: str


def customer(label: str) -> Customer:
    return Customer(f"Customer {label}", f"customer-{label}@example.com")


def ingress_message(external_id: str, who: Customer) -> OutgoingMessage:
    """Keyed by the customer, as a platform bridge would key its change events."""
    document = {
        **ENGLISH,
        "source": {"platform": PLATFORM, "external_id": external_id},
        "customer": {**ENGLISH["customer"], "name": who.name, "email": who.email},
    }
    return OutgoingMessage(
        DEFAULT_TOPICS.ingress, json.dumps(document).encode(), key=who.email.encode()
    )
