"""Access requests: the export holds every case, contact and decision about the subject,
decrypted; it is recorded as access.exported; open requests past their due date are reported."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from services.privacy.bootstrap import Privacy
from services.privacy.domain.errors import InvalidRequestError
from services.privacy.domain.requests import Regime
from services.privacy.entrypoints.consumer import consume
from services.privacy.service_layer.messages import (
    ExportAccess,
    Identities,
    OverdueRequests,
    RegisterAccess,
)
from shared.envelope import Envelope
from tests.unit.privacy.conftest import Clock, RecordingBus, received
from tests.unit.privacy.samples import EMAIL, NAME, PHONE, RECORDING_URI, SECRET_NOTE


def asked(days_ago: float, regime: Regime, clock: Clock, **identity: str) -> RegisterAccess:
    identities = Identities(**identity) if identity else Identities(email=EMAIL)
    return RegisterAccess(identities, regime, "officer-1", clock.now - timedelta(days=days_ago))


def decision_on(case_id: str, subject_id: str, cause: Envelope) -> Envelope:
    return Envelope(
        type="closure.decided",
        schema_version=1,
        case_id=case_id,
        subject_id=subject_id,
        occurred_at=datetime(2026, 11, 5, 9, tzinfo=UTC),
        producer="policy",
        causation_id=str(cause.event_id),
        correlation_id="c-1",
        payload={"outcome": "accept", "reasons": [], "actions": [], "policy_version": "v1"},
    )


async def test_the_export_holds_every_case_contact_and_decision_decrypted(
    privacy: Privacy, clock: Clock, bus: RecordingBus
) -> None:
    closed, still_open = await received(privacy), await received(privacy, closed_at=None)
    closure = closed.envelopes[-1]
    decision = decision_on(closed.case_id, closed.subject_id, closure)
    await consume(privacy, privacy.topics.policy, decision)

    request = await privacy.handle(asked(2, Regime.GDPR, clock, phone=PHONE))
    export = await privacy.handle(ExportAccess(request.request_id, "officer-1"))

    assert request.due_at == request.received_at + timedelta(days=30)
    by_case = {case.case_id: case for case in export.cases}
    assert set(by_case) == {closed.case_id, still_open.case_id}
    assert [e.type for e in by_case[closed.case_id].events] == [
        "consultation.received",
        "contact.logged",
        "recording.attached",
        "closure.requested",
        "closure.decided",
    ]
    expected_ids = [str(e.event_id) for e in (*closed.envelopes, decision)]
    assert sorted(e.event_id for e in by_case[closed.case_id].events) == sorted(expected_ids)
    first = by_case[closed.case_id].events[0].payload
    assert (first["customer"]["name"], first["customer"]["email"]) == (NAME, EMAIL)
    assert first["customer"]["confidential_notes"] == SECRET_NOTE
    assert by_case[closed.case_id].events[2].payload["uri"] == RECORDING_URI
    assert [e.type for e in by_case[still_open.case_id].events] == ["consultation.received"]
    [recorded] = bus.envelopes("access.exported")
    assert recorded.payload["events"] == 6
    digest = hashlib.sha256(export.model_dump_json().encode()).hexdigest()
    assert recorded.payload["export_sha256"] == digest
    assert NAME not in recorded.model_dump_json()
    stored = await privacy.store.request(request.request_id)
    assert stored is not None
    assert stored.status.value == "fulfilled"


async def test_open_requests_past_their_due_date_are_reported(
    privacy: Privacy, clock: Clock
) -> None:
    await received(privacy)
    late = await privacy.handle(asked(20, Regime.INTERNAL, clock))
    in_time = await privacy.handle(asked(20, Regime.GDPR, clock))
    answered = await privacy.handle(asked(40, Regime.INTERNAL, clock))
    await privacy.handle(ExportAccess(answered.request_id, "officer-1"))

    report = await privacy.handle(OverdueRequests())

    assert [(o.request.request_id, o.overdue_days) for o in report.overdue] == [
        (late.request_id, 6)
    ]
    assert report.open == 2
    assert in_time.request_id not in {o.request.request_id for o in report.overdue}


async def test_requests_name_the_field_to_fix(privacy: Privacy, clock: Clock) -> None:
    future = RegisterAccess(
        Identities(email=EMAIL), Regime.INTERNAL, "o", clock.now + timedelta(days=1)
    )
    with pytest.raises(InvalidRequestError) as in_future:
        await privacy.handle(future)
    with pytest.raises(InvalidRequestError) as bad_phone:
        await privacy.handle(asked(0, Regime.INTERNAL, clock, phone="12"))
    with pytest.raises(InvalidRequestError) as nothing:
        await privacy.handle(RegisterAccess(Identities(), Regime.GDPR, "o"))

    assert (in_future.value.field, bad_phone.value.field, nothing.value.field) == (
        "received_at",
        "phone",
        "email",
    )


@pytest.mark.parametrize("reference", [f"re {EMAIL}", f"call back on {PHONE}", "〒100-0001"])
async def test_a_reference_naming_a_person_is_refused_and_nothing_is_kept(
    privacy: Privacy, reference: str
) -> None:
    # The reference is kept, signed into receipts and published in plaintext.
    command = RegisterAccess(Identities(email=EMAIL), Regime.GDPR, "officer-1", reference=reference)

    with pytest.raises(InvalidRequestError) as refused:
        await privacy.handle(command)

    assert refused.value.field == "reference"
    assert EMAIL not in str(refused.value)
    assert await privacy.deps.store.requests(None) == [], "nothing was kept"
