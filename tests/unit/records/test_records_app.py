"""The records app on the embedded bus and SQLite (`caselog run`): events published on the
topics are stored once, served as a timeline, proven in a bundle, and the log audits clean."""

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.records.bootstrap import Records
from services.records.domain.errors import UnknownEventError
from services.runtime.records_cli import verify_file, verify_log
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope
from shared.settings import CaselogSettings


def event(n: int) -> Envelope:
    return Envelope(
        type="consultation.received" if n == 0 else "contact.logged",
        schema_version=1,
        case_id="case-1",
        occurred_at=datetime(2025, 6, 2, 9, n, tzinfo=UTC),
        producer="intake",
        correlation_id="corr-1",
        payload={"channel": "email", "kind": "customer_contact"},
    )


async def stored(records: Records, envelope: Envelope) -> None:
    async with asyncio.timeout(10):
        while True:
            try:
                await records.store.event(str(envelope.event_id))
                return
            except UnknownEventError:
                await asyncio.sleep(0.02)


async def test_published_events_are_stored_once_and_proven(
    app: FastAPI, settings: CaselogSettings, tmp_path: Path
) -> None:
    records: Records = app.state.records
    events = [event(n) for n in range(3)]
    for envelope in [*events, events[1]]:
        await records.infrastructure.bus.publish(envelope_message("caselog.intake", envelope))
    for envelope in events:
        await stored(records, envelope)
    token = development_issuer(tmp_path / "auth").token("legal-1", [Role.LEGAL], "caselog")
    async with AsyncClient(
        transport=ASGITransport(app),
        base_url="http://records",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        timeline = await http.get("/v1/cases/case-1/timeline")
        bundle = await http.get("/v1/cases/case-1/bundle")
        unknown = await http.get("/v1/cases/case-9")
        log = await http.get("/v1/log")

    assert [e["event_id"] for e in timeline.json()["events"]] == [str(e.event_id) for e in events]
    assert unknown.status_code == 404
    assert log.json()["verifier_key"] == records.identity.verifier_key
    (tmp_path / "bundle.json").write_bytes(bundle.content)
    assert (
        verify_file(tmp_path / "bundle.json", [log.json()["verifier_key"]], out=io.StringIO()) == 0
    )
    out = io.StringIO()
    assert await verify_log(settings, out=out) == 0, out.getvalue()
    assert "3 events" in out.getvalue()
