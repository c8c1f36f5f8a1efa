"""Privacy's own read models of the events it consumes (intake's and policy's payloads).

The personal fields are declared at the paths intake encrypts them under, so the codec can
decrypt a stored payload with these models; other fields are read leniently.
"""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.contracts import intake, policy, records
from shared.contracts.privacy import CopiedMoney
from shared.contracts.registry import CONTRACTS
from shared.crypto.fields import Content, Identity, Recording

CONSULTATION_RECEIVED = intake.CONSULTATION_RECEIVED.type
CONTACT_LOGGED = intake.CONTACT_LOGGED.type
CLOSURE_REQUESTED = intake.CLOSURE_REQUESTED.type
RECORDING_ATTACHED = intake.RECORDING_ATTACHED.type
FACT_CHECKED = intake.FACT_CHECKED.type
CLOSURE_DECIDED = policy.CLOSURE_DECIDED.type
LEGAL_HOLD_RECOMMENDED = policy.Action.LEGAL_HOLD_RECOMMENDED.value
RECORDS_ACKNOWLEDGED = records.RECORDS_ACKNOWLEDGED.type


class View(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# The copy keeps money as privacy reads it, so one model serves both.
MoneyView = CopiedMoney


class ProductView(View):
    sku: str | None = None
    name: str | None = None
    purchase_date: date | None = None
    price: MoneyView | None = None


class CustomerView(View):
    name: Identity[str] | None = None  # an anonymous consultation has none
    email: Identity[str] | None = None
    phone: Identity[str] | None = None
    relationship: str = "unknown"
    confidential_notes: Identity[str] | None = None


class DemandView(View):
    type: str
    amount: MoneyView | None = None
    details: Content[str] | None = None


class CallView(View):
    duration_seconds: int = 0
    recorded: bool = False


class SourceView(View):
    platform: str | None = None


class ConsultationView(View):
    source: SourceView | None = None
    channel: str | None = None
    received_at: datetime
    customer: CustomerView
    product: ProductView | None = None
    subject: Content[str]
    body: Content[str]
    demand: DemandView | None = None
    call: CallView | None = None
    language: str | None = None


class ContactView(View):
    kind: str
    channel: str | None = None
    occurred_at: datetime
    body: Content[str]
    final_answer: bool = False
    duration_seconds: int | None = None


class ClosureView(View):
    reason: str
    requested_at: datetime
    note: Content[str] | None = None


class RecordingView(View):
    uri: Recording[str]
    sha256: str
    duration_seconds: int = 0
    recorded_at: datetime | None = None


class FactCheckView(View):
    defect_confirmed: bool | None = None
    loss_confirmed: bool | None = None
    note: Content[str] | None = None
    checked_by: str
    checked_at: datetime


class DecisionView(View):
    """Policy's decision payload (not encrypted: it cites rules and offsets, never values)."""

    outcome: str = "unknown"
    actions: tuple[str, ...] = ()
    reasons: tuple[dict[str, Any], ...] = ()
    policy_version: str | None = None

    def rules(self) -> tuple[str, ...]:
        return tuple(str(r["rule"]) for r in self.reasons if isinstance(r.get("rule"), str))


INTAKE_VIEWS: dict[str, type[View]] = {
    CONSULTATION_RECEIVED: ConsultationView,
    CONTACT_LOGGED: ContactView,
    CLOSURE_REQUESTED: ClosureView,
    RECORDING_ATTACHED: RecordingView,
    FACT_CHECKED: FactCheckView,
}
"""Privacy's read model of each intake event it keeps (checked against the contracts by
tests/contract/test_privacy_reads.py)."""

ENCRYPTED_SCHEMAS: dict[str, type[View]] = {
    contract.type: INTAKE_VIEWS[contract.type]
    for contract in CONTRACTS.latest_contracts()
    if contract.personal_fields and contract.type in INTAKE_VIEWS
}
"""The events whose payloads carry ciphertext (by their contracts), and the view that
decrypts each."""


def is_decision(event_type: str) -> bool:
    return event_type in policy.DECISION_TYPES
