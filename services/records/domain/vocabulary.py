"""What records takes from the contracts (shared/contracts/): the event types it reads meaning
from, its tolerant read models of their payloads (only the fields the case view reads, each
optional, every other field, personal ones included as ciphertext, left to the log as it is;
every other declared type is stored and shown as it is, `StoredAsIs`), and where each type
keeps its personal fields (`PERSONAL_FIELDS`, which a reveal decrypts). Derived, never copied.
docs/decisions/0006-records-store.md lists the payload fields read; the contract test
tests/contract/records/test_reads_fit_contracts.py checks each model against its contract."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.contracts import intake, policy, privacy, records
from shared.contracts.declaring import UnknownEventError
from shared.contracts.registry import CONTRACTS

PRODUCER = records.PRODUCER

CONSULTATION_RECEIVED = intake.CONSULTATION_RECEIVED.type
CONTACT_LOGGED = intake.CONTACT_LOGGED.type
CLOSURE_REQUESTED = intake.CLOSURE_REQUESTED.type
RECORDING_ATTACHED = intake.RECORDING_ATTACHED.type

# policy: every decision type ({outcome, reasons[].rule, policy_version}); an accepted
# "closure.decided" closes the case.
DECISION_TYPES = policy.DECISION_TYPES
CLOSURE_DECIDED = policy.CLOSURE_DECIDED.type

# privacy: holds by `hold_id` (else `matter`); anonymization and erasure of the case.
HOLD_PLACED = privacy.HOLD_PLACED.type
HOLD_RELEASED = privacy.HOLD_RELEASED.type
CASE_ANONYMIZED = privacy.CASE_ANONYMIZED.type
SUBJECT_ERASED = privacy.SUBJECT_ERASED.type
KEYS_EPOCH_CLOSED = privacy.KEYS_EPOCH_CLOSED.type

# records' own: a read that revealed personal data, and the acknowledgement of an append.
ACCESS_RECORDED = records.ACCESS_RECORDED.type
RECORDS_ACKNOWLEDGED = records.RECORDS_ACKNOWLEDGED.type


class StoredAsIs(BaseModel):
    """A payload records keeps without reading a field of it (the type's meaning, if any, is
    in the envelope alone: a recording attached, a case anonymized or erased)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class CallRead(StoredAsIs):
    final_answer_given_at: AwareDatetime | None = None


class ConsultationRead(StoredAsIs):
    channel: str | None = None
    call: CallRead | None = None


class ContactRead(StoredAsIs):
    final_answer: bool = False


class ClosureRequestRead(StoredAsIs):
    reason: str | None = None


class ReasonRead(StoredAsIs):
    rule: str | None = None


class DecisionRead(StoredAsIs):
    outcome: str | None = None
    reasons: tuple[ReasonRead, ...] = ()
    policy_version: str | None = None


class HoldRead(StoredAsIs):
    hold_id: str | None = None
    matter: str | None = None


READ_MODELS: dict[str, type[StoredAsIs]] = {
    CONSULTATION_RECEIVED: ConsultationRead,
    CONTACT_LOGGED: ContactRead,
    CLOSURE_REQUESTED: ClosureRequestRead,
    HOLD_PLACED: HoldRead,
    HOLD_RELEASED: HoldRead,
    **dict.fromkeys(DECISION_TYPES, DecisionRead),
}
"""By event type, the payload fields records reads meaning from; a type missing here is
`StoredAsIs`."""

PERSONAL_FIELDS: dict[str, type[BaseModel]] = {
    contract.type: contract.payload
    for contract in CONTRACTS.latest_contracts()
    if contract.personal_fields
}
"""The contracts' payload models by event type, for the codec to reveal their personal fields;
a type missing here carries no personal field that records could reveal."""

_LATEST_VERSIONS = {contract.type: contract.version for contract in CONTRACTS.latest_contracts()}


class EventFacts(Protocol):
    """What records reads meaning from: an Envelope has it, and so has a stored row read without
    building one (`timeline.StoredFacts`, for replays of thousands of events)."""

    @property
    def event_id(self) -> object: ...
    @property
    def type(self) -> str: ...
    @property
    def schema_version(self) -> int: ...
    @property
    def subject_id(self) -> str | None: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


def readable_payload(envelope: EventFacts) -> Mapping[str, Any] | None:
    """`envelope`'s payload in the shape its read model describes, that of its type's latest
    version (an older one lifted by the registry's upcasters; a type with no read model needs
    no lifting, nothing of it is read); None when no contract declares its type and version,
    or no upcaster lifts it: its meaning is not read, rather than read with the wrong shape.
    (The consumer stores no such event; a log written before it did may hold some.)"""
    event_type, version = envelope.type, envelope.schema_version
    if _LATEST_VERSIONS.get(event_type) == version:
        return envelope.payload
    if not CONTRACTS.knows(event_type, version):
        return None
    if event_type not in READ_MODELS:
        return envelope.payload
    try:
        return CONTRACTS.upcast(event_type, version, dict(envelope.payload))
    except (UnknownEventError, KeyError, TypeError, ValueError):
        # An upcaster moves the fields it expects: an old payload without them stays unread.
        return None
