"""Where each event type keeps its personal fields, and their classes: a mirror of the
producers' models (records imports no other service), read by the codec to reveal them."""

from pydantic import BaseModel, ConfigDict

from services.records.domain import vocabulary
from shared.crypto.fields import Content, Identity, Recording


class _Open(BaseModel):
    """Only the personal fields are declared; any other field passes through untouched."""

    model_config = ConfigDict(extra="allow")


class CustomerFields(_Open):
    name: Identity[str] | None = None
    email: Identity[str] | None = None
    phone: Identity[str] | None = None
    confidential_notes: Identity[str] | None = None


class DemandFields(_Open):
    details: Content[str] | None = None


class ConsultationFields(_Open):
    customer: CustomerFields | None = None
    subject: Content[str] | None = None
    body: Content[str] | None = None
    demand: DemandFields | None = None


class ContactFields(_Open):
    body: Content[str] | None = None


class ClosureFields(_Open):
    note: Content[str] | None = None


class RecordingFields(_Open):
    uri: Recording[str] | None = None


PERSONAL_FIELDS: dict[str, type[BaseModel]] = {
    vocabulary.CONSULTATION_RECEIVED: ConsultationFields,
    vocabulary.CONTACT_LOGGED: ContactFields,
    vocabulary.CLOSURE_REQUESTED: ClosureFields,
    vocabulary.RECORDING_ATTACHED: RecordingFields,
}
"""By event type; a type missing here carries no personal field that records could reveal."""
