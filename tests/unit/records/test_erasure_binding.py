"""Records serves the log binding of privacy's subject.erased events (GET /v1/proofs/erasures):
each event's bytes and audit path in the latest checkpoint, which the log's key alone verifies;
never the bytes of another type of event, which may hold personal ciphertext."""

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.records.bootstrap import Records
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bundle.log_binding import parse_log_binding, prove_events
from shared.bus.envelopes import envelope_message
from shared.contracts.privacy import SubjectErased
from shared.envelope import Envelope
from shared.merkle.keys import NoteVerifier
from tests.unit.records.test_records_app import event, stored

AT = datetime(2026, 12, 4, 9, tzinfo=UTC)


def _erased() -> Envelope:
    payload = SubjectErased(
        request_id="req-1",
        subject_ids=("subject-1",),
        erased_case_ids=("case-1",),
        held_case_ids=(),
        subject_index_forgotten=True,
        erased_at=AT,
    )
    return Envelope(
        type="subject.erased",
        schema_version=1,
        case_id="case-1",
        subject_id="subject-1",
        occurred_at=AT,
        producer="privacy",
        correlation_id="req-1",
        payload=payload.model_dump(mode="json"),
    )


async def test_the_binding_proves_erasures_and_serves_no_other_events_bytes(
    app: FastAPI, tmp_path: Path
) -> None:
    records: Records = app.state.records
    consultation, erased = event(0), _erased()
    await records.infrastructure.bus.publish(envelope_message("caselog.intake", consultation))
    await stored(records, consultation)
    await records.infrastructure.bus.publish(envelope_message("caselog.privacy", erased))
    await stored(records, erased)
    token = development_issuer(tmp_path / "auth").token(
        "officer", [Role.PRIVACY_OFFICER], "caselog"
    )
    async with AsyncClient(
        transport=ASGITransport(app),
        base_url="http://records",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        key = (await http.get("/v1/log")).json()["verifier_key"]
        await http.post("/v1/checkpoints")
        bound = await http.get("/v1/proofs/erasures", params={"event_id": str(erased.event_id)})
        other = await http.get(
            "/v1/proofs/erasures", params={"event_id": str(consultation.event_id)}
        )
        unknown = await http.get("/v1/proofs/erasures", params={"event_id": "no-such-event"})

    assert bound.status_code == 200, bound.text
    proved = prove_events(parse_log_binding(bound.json()), [NoteVerifier.parse(key)])
    index, envelope = proved.events[str(erased.event_id)]
    assert (index, envelope) == (1, erased)
    assert proved.checkpoint.size == 2
    assert other.status_code == 422
    assert "only subject.erased" in other.text
    assert consultation.payload["channel"] not in other.text
    assert unknown.status_code == 404
