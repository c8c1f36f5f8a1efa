"""The event contracts: the registry, personal fields derived from the models, producing an
envelope, upcasting a stored old version, and decoding through a consumer's declared reads."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from services.privacy.domain.views import ENCRYPTED_SCHEMAS
from services.records.domain.vocabulary import PERSONAL_FIELDS
from shared.bus.delivery import describe_error
from shared.bus.errors import PermanentHandlingError
from shared.contracts import intake, privacy
from shared.contracts.declaring import ContractError, ContractRegistry, EventContract
from shared.contracts.reading import (
    ConsumerReads,
    UnknownEventError,
    UnreadablePayloadError,
    check_reads,
)
from shared.contracts.registry import CONTRACTS
from shared.crypto.fields import Content, FieldClass, Identity
from shared.envelope import Envelope

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def envelope(event_type: str, version: int, payload: dict[str, Any]) -> Envelope:
    return Envelope(
        type=event_type,
        schema_version=version,
        case_id="case-1",
        occurred_at=T0,
        producer="tests",
        correlation_id="case-1",
        payload=payload,
    )


def test_every_event_produced_today_is_declared_once_and_complete() -> None:
    produced = {
        "intake": ["closure.requested", "consultation.received", "contact.logged"],
        "policy": ["closure.decided", "policy.decided"],
        "records": ["access.recorded", "records.acknowledged"],
    }
    for producer, types in produced.items():
        assert set(types) <= set(CONTRACTS.produced_by(producer))
    assert "keys.epoch_closed" in CONTRACTS.produced_by("privacy")
    assert "case.closed" not in CONTRACTS.types()  # no producer: its readers were removed
    assert CONTRACTS.versions("case.anonymized") == [1, 2]
    assert CONTRACTS.check_complete() == []


def test_a_type_declared_twice_or_with_a_gap_is_refused() -> None:
    contract = intake.SUBJECT_LINKED
    with pytest.raises(ContractError, match="declared twice"):
        ContractRegistry([contract, contract])
    later = EventContract(contract.type, 3, contract.producer, contract.payload, "v3")
    with pytest.raises(ContractError, match="have a gap"):
        ContractRegistry([contract, later])


def test_an_older_version_without_an_upcaster_is_reported() -> None:
    newer = EventContract("subject.linked", 2, "intake", intake.SubjectLinked, "v2")
    registry = ContractRegistry([intake.SUBJECT_LINKED, newer])
    assert registry.check_complete() == [
        "subject.linked v1: no upcaster to v2 and not read as it is"
    ]


def test_personal_fields_and_their_classes_come_from_the_model_annotations() -> None:
    assert dict(intake.CONSULTATION_RECEIVED.personal_fields) == {
        "customer.name": FieldClass.IDENTITY,
        "customer.email": FieldClass.IDENTITY,
        "customer.phone": FieldClass.IDENTITY,
        "customer.confidential_notes": FieldClass.IDENTITY,
        "subject": FieldClass.CONTENT,
        "body": FieldClass.CONTENT,
        "demand.details": FieldClass.CONTENT,
    }
    assert dict(intake.RECORDING_ATTACHED.personal_fields) == {"uri": FieldClass.RECORDING}
    assert dict(privacy.HOLD_PLACED.personal_fields) == {}


def test_records_and_privacy_know_every_sealed_type_from_the_contracts() -> None:
    sealed = {c.type for c in CONTRACTS.latest_contracts() if c.personal_fields}
    assert sealed == set(PERSONAL_FIELDS) == set(ENCRYPTED_SCHEMAS)
    assert PERSONAL_FIELDS["consultation.received"] is intake.Consultation


def test_an_envelope_takes_type_version_and_producer_from_its_contract() -> None:
    linked = intake.SubjectLinked(subject_id="s-1", linked_subject_ids=("s-2",), linked_at=T0)
    made = intake.SUBJECT_LINKED.envelope(
        linked, case_id="case-1", subject_id="s-1", occurred_at=T0, correlation_id="c-1"
    )
    assert (made.type, made.schema_version, made.producer) == ("subject.linked", 1, "intake")
    assert made.payload == {
        "subject_id": "s-1",
        "linked_subject_ids": ["s-2"],
        "linked_at": "2026-12-01T09:30:00Z",
    }
    follow = privacy.KEYS_EPOCH_CLOSED.follow_up(
        made,
        privacy.EpochClosed(
            closed_epoch=1,
            destroyed_kek_id="k1",
            opened_epoch=2,
            opened_kek_id="k2",
            rewrapped_keys=0,
            closed_at=T0,
        ),
    )
    assert follow.causation_id == str(made.event_id)
    assert (follow.case_id, follow.correlation_id) == ("case-1", "c-1")


def test_an_envelope_refuses_the_payload_of_another_contract() -> None:
    linked = intake.SubjectLinked(subject_id="s-1", linked_subject_ids=("s-2",), linked_at=T0)
    with pytest.raises(ContractError, match="carries Consultation, not SubjectLinked"):
        intake.CONSULTATION_RECEIVED.envelope(
            linked, case_id="c", subject_id=None, occurred_at=T0, correlation_id="c"
        )


STORED_V1_ANONYMIZED = {
    # As privacy wrote case.anonymized v1 before v2 existed: the copy itself in the log.
    "run_id": "run-1",
    "key_id": "dek-1",
    "closed_at": "2020-01-10T00:00:00Z",
    "closure_reason": "satisfied",
    "rule": "case_record:satisfied",
    "retention_ends_at": "2025-01-10T00:00:00Z",
    "anonymized_at": "2025-01-11T03:00:00Z",
    "anonymized_copy": {
        "copy_id": "copy-1",
        "anonymized_month": "2025-01",
        "channel": "phone",
        "subject": "商品の不具合",
        "contacts": [],
    },
}


class AnonymizedRead(BaseModel):
    """A consumer's tolerant read of case.anonymized: only what it needs."""

    model_config = ConfigDict(extra="ignore")

    anonymized_at: datetime
    copy_id: str
    copy_sha256: str


def test_a_stored_v1_event_is_upcast_to_the_latest_version_on_read() -> None:
    reads = ConsumerReads("tests", reads={"case.anonymized": AnonymizedRead})
    read = reads.decode(envelope("case.anonymized", 1, STORED_V1_ANONYMIZED))

    copy = privacy.AnonymizedCopy.model_validate(STORED_V1_ANONYMIZED["anonymized_copy"])
    assert read == AnonymizedRead(
        anonymized_at=datetime(2025, 1, 11, 3, tzinfo=UTC),
        copy_id="copy-1",
        copy_sha256=privacy.copy_digest(copy),
    )
    lifted = CONTRACTS.upcast("case.anonymized", 1, dict(STORED_V1_ANONYMIZED))
    privacy.CaseAnonymized.model_validate(lifted)  # the latest model reads the upcast payload
    assert "anonymized_copy" not in lifted


def test_a_reader_may_take_a_read_as_is_version_in_its_own_shape() -> None:
    reads = ConsumerReads(
        "privacy",
        reads={"case.anonymized": privacy.CaseAnonymized},
        older={("case.anonymized", 1): privacy.CaseAnonymizedV1},
    )
    read = reads.decode(envelope("case.anonymized", 1, STORED_V1_ANONYMIZED))
    assert isinstance(read, privacy.CaseAnonymizedV1)
    assert read.anonymized_copy.copy_id == "copy-1"
    with pytest.raises(ContractError, match="not declared read-as-is"):
        ConsumerReads("x", reads={}, older={("subject.linked", 1): intake.SubjectLinked})


LINKED = {"subject_id": "s-1", "linked_subject_ids": ["s-2"], "linked_at": "2026-12-01T09:30:00Z"}


class LinkedRead(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subject_id: str


READS = ConsumerReads(
    "tests", reads={"subject.linked": LinkedRead}, ignores=frozenset({"access.recorded"})
)


def test_a_declared_read_is_decoded_and_a_declared_ignore_gives_none() -> None:
    assert READS.decode(envelope("subject.linked", 1, LINKED)) == LinkedRead(subject_id="s-1")
    assert READS.decode(envelope("access.recorded", 1, {})) is None


@pytest.mark.parametrize(
    ("event_type", "version", "reason"),
    [
        ("billing.invoiced", 1, "tests: event type 'billing.invoiced' is not declared"),
        ("subject.linked", 2, "tests: subject.linked v2 is not declared (known: v1)"),
        ("hold.placed", 1, "tests neither reads nor ignores hold.placed"),
    ],
)
def test_what_a_consumer_does_not_know_is_a_permanent_error_with_the_reason(
    event_type: str, version: int, reason: str
) -> None:
    with pytest.raises(UnknownEventError) as raised:
        READS.decode(envelope(event_type, version, {"secret": "山田太郎"}))
    assert isinstance(raised.value, PermanentHandlingError)  # the bus dead-letters it at once
    shown = describe_error(raised.value)  # what the DLQ's error header carries
    assert shown.startswith(reason)
    assert "山田太郎" not in shown


def test_a_payload_the_read_model_rejects_names_the_field_never_the_value() -> None:
    with pytest.raises(UnreadablePayloadError) as raised:
        READS.decode(envelope("subject.linked", 1, {"subject_id": ["山田太郎"]}))
    shown = describe_error(raised.value)
    assert "subject.linked v1" in shown
    assert "subject_id" in shown
    assert "山田太郎" not in shown


def test_a_consumer_declaring_an_unknown_type_or_reading_and_ignoring_one_is_refused() -> None:
    with pytest.raises(ContractError, match="not a declared type"):
        ConsumerReads("x", reads={"billing.invoiced": LinkedRead})
    with pytest.raises(ContractError, match="reads and ignores"):
        ConsumerReads(
            "x", reads={"subject.linked": LinkedRead}, ignores=frozenset({"subject.linked"})
        )


class CustomerRead(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Identity[str] | None = None
    relationship: str = "unknown"


class ConsultationRead(BaseModel):
    model_config = ConfigDict(extra="ignore")

    received_at: datetime
    customer: CustomerRead
    body: Content[str]


def test_check_reads_finds_nothing_in_a_reader_that_fits_the_contract() -> None:
    reads = ConsumerReads(
        "tests",
        reads={"consultation.received": ConsultationRead, "subject.linked": LinkedRead},
    )
    assert check_reads(reads) == []


class ReadsAFieldTheContractLacks(LinkedRead):
    merged_by: str


class NarrowsAType(BaseModel):
    model_config = ConfigDict(extra="ignore")

    duration_seconds: int
    sha256: int  # the contract says a hex string


class RequiresAnOptionalField(BaseModel):
    model_config = ConfigDict(extra="ignore")

    note: Content[str]  # optional in the contract


class ReadsContentAsIdentity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    body: Identity[str]


class ReadsSealedTextAsPlain(BaseModel):
    model_config = ConfigDict(extra="ignore")

    body: str


@pytest.mark.parametrize(
    ("event_type", "model", "problem"),
    [
        ("subject.linked", ReadsAFieldTheContractLacks, "$.merged_by: newly required"),
        ("recording.attached", NarrowsAType, "$.sha256: type changed from string to integer"),
        ("closure.requested", RequiresAnOptionalField, "$.note: newly required"),
        ("contact.logged", ReadsContentAsIdentity, "$.body: personal class content -> identity"),
        ("contact.logged", ReadsSealedTextAsPlain, "$.body: personal class content -> none"),
    ],
)
def test_check_reads_catches_a_reader_that_does_not_fit_the_contract(
    event_type: str, model: type[BaseModel], problem: str
) -> None:
    found = check_reads(ConsumerReads("tests", reads={event_type: model}))
    assert f"tests reads {event_type} v1: {problem}" in found


class SourceRead(BaseModel):
    model_config = ConfigDict(extra="ignore")

    platform: str  # optional in the contract (the server fills it in)


class ConsultationWithSource(BaseModel):
    model_config = ConfigDict(extra="ignore")

    source: SourceRead | None = None


def test_check_reads_names_the_field_inside_an_optional_object_that_misses() -> None:
    found = check_reads(
        ConsumerReads("tests", reads={"consultation.received": ConsultationWithSource})
    )
    # Not "$.source: type changed from object to null": the object branch is the near miss.
    assert "tests reads consultation.received v1: $.source.platform: newly required" in found


def test_a_producer_of_an_undeclared_type_version_or_producer_is_refused() -> None:
    linked = intake.SUBJECT_LINKED
    assert CONTRACTS.declared(linked) is linked
    made_up = EventContract("subject.unlinked", 1, "intake", intake.SubjectLinked, "made up")
    newer = EventContract(linked.type, 2, linked.producer, linked.payload, "undeclared v2")
    posing = EventContract(linked.type, linked.version, "privacy", linked.payload, "not its own")
    for undeclared in (made_up, newer, posing):
        with pytest.raises(ContractError, match=f"{undeclared.name} by .* is not declared"):
            CONTRACTS.declared(undeclared)
