"""Intake's payloads as policy reads them (intake's own models are not ours to import): the
fields the rules need, personal fields declared at intake's paths and with intake's classes,
so content decrypts under policy's grant while identity stays a ciphertext object."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from services.policy.domain.facts import ClosureReason
from shared.crypto.ciphertext import Ciphertext
from shared.crypto.fields import Content, Identity


class _Read(BaseModel):
    # Fields policy does not need (source, product name, language, ...) are left unread.
    model_config = ConfigDict(extra="ignore", frozen=True)


class CustomerRead(_Read):
    """Identity is only ever counted as present or absent: it must arrive encrypted."""

    name: Identity[Ciphertext] | None = None
    email: Identity[Ciphertext] | None = None
    phone: Identity[Ciphertext] | None = None
    relationship: str = "unknown"
    confidential_notes: Identity[Ciphertext] | None = None


class MoneyRead(_Read):
    amount: Decimal
    currency: str


class ProductRead(_Read):
    purchase_date: date | None = None
    price: MoneyRead | None = None


class DemandRead(_Read):
    type: str
    amount: MoneyRead | None = None
    details: Content[str] | None = None


class CallRead(_Read):
    duration_seconds: int
    recorded: bool = False
    final_answer_given_at: AwareDatetime | None = None


class ConsultationRead(_Read):
    """`consultation.received` v1."""

    channel: str
    received_at: AwareDatetime
    customer: CustomerRead
    product: ProductRead | None = None
    subject: Content[str]
    body: Content[str]
    demand: DemandRead | None = None
    call: CallRead | None = None


class ContactRead(_Read):
    """`contact.logged` v1."""

    kind: Literal["customer_contact", "agent_response"]
    channel: str
    occurred_at: AwareDatetime
    body: Content[str]
    final_answer: bool = False
    duration_seconds: int | None = None


class ClosureRead(_Read):
    """`closure.requested` v1; its note is never needed, so never decrypted."""

    reason: ClosureReason
    requested_at: AwareDatetime
    supervisor_approved: bool = False
