"""Requests an attacker (or a careless client) sends records, answered with a clear 4xx that
names the field and never shows a pattern or repeats the value: numbers past 64 bits, reveal
purposes that are blank or carry contact details; Japanese matter references are accepted."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.records.bootstrap import Records
from services.records.domain.errors import UnknownEventError
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope, decode_envelope

TOO_BIG = str(2**63)  # one past the store's BIGINT


async def _get(app: FastAPI, tmp_path: Path, path: str, **params: str) -> tuple[int, dict]:
    token = development_issuer(tmp_path / "auth").token("legal-1", [Role.LEGAL], "caselog")
    async with AsyncClient(transport=ASGITransport(app), base_url="http://records") as client:
        answer = await client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.json()


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (f"/v1/checkpoints/{TOO_BIG}", {}, "path.size"),
        ("/v1/proofs/inclusion", {"event_id": "e", "size": TOO_BIG}, "query.size"),
        ("/v1/proofs/consistency", {"old_size": "1", "new_size": TOO_BIG}, "query.new_size"),
        ("/v1/cases/case-1/bundle", {"since_size": TOO_BIG}, "query.since_size"),
    ],
    ids=["checkpoint", "inclusion", "consistency", "bundle"],
)
async def test_sizes_past_64_bits_are_refused_with_422(
    app: FastAPI, tmp_path: Path, path: str, params: dict[str, str], field: str
) -> None:
    status, body = await _get(app, tmp_path, path, **params)

    assert status == 422
    assert body["field"] == field
    assert TOO_BIG not in str(body)


async def test_the_largest_size_is_an_answer_not_a_crash(app: FastAPI, tmp_path: Path) -> None:
    status, _ = await _get(app, tmp_path, f"/v1/checkpoints/{2**63 - 1}")
    assert status == 404


async def _case(app: FastAPI) -> str:
    records: Records = app.state.records
    envelope = Envelope(
        type="contact.logged",
        schema_version=1,
        case_id="case-hostile",
        occurred_at=datetime(2025, 6, 2, 9, tzinfo=UTC),
        producer="intake",
        correlation_id="corr-1",
        payload={"channel": "email", "kind": "customer_contact"},
    )
    await records.infrastructure.bus.publish(envelope_message("caselog.intake", envelope))
    async with asyncio.timeout(10):
        while True:
            try:
                await records.store.event(str(envelope.event_id))
                return envelope.case_id
            except UnknownEventError:
                await asyncio.sleep(0.02)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"purpose": "   "}, "purpose"),
        ({"purpose": "\x01\x02\x03"}, "purpose"),
        ({"purpose": "call back 090-1234-5678"}, "purpose"),
        ({"matter": "taro.yamada@example.jp"}, "matter"),
        ({"matter": "  "}, "matter"),
    ],
    ids=["spaces", "controls", "phone", "email-matter", "blank-matter"],
)
async def test_reveal_purposes_that_cannot_be_kept_are_refused(
    app: FastAPI, tmp_path: Path, params: dict[str, str], field: str
) -> None:
    case_id = await _case(app)

    status, body = await _get(
        app, tmp_path, f"/v1/cases/{case_id}/timeline", reveal="true", **params
    )

    assert status == 422
    assert body["field"] == field
    assert "^" not in body["reason"]  # no pattern shown
    assert "[" not in body["reason"]
    for value in params.values():
        assert value.strip() not in str(body) or not value.strip()
    records: Records = app.state.records
    kinds = [event.event_type for event in await records.store.case_events(case_id)]
    assert "access.recorded" not in kinds  # nothing revealed, nothing recorded


async def test_a_japanese_matter_reference_is_accepted_and_recorded(
    app: FastAPI, tmp_path: Path
) -> None:
    case_id = await _case(app)

    status, body = await _get(
        app, tmp_path, f"/v1/cases/{case_id}/timeline", reveal="true", matter="令和8年(ワ)第123号"
    )

    assert status == 200, body
    records: Records = app.state.records
    access = decode_envelope((await records.store.event(body["access_event_id"])).leaf)
    assert access.payload["matter"] == "令和8年(ワ)第123号"


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_times_at_the_datetime_limits_are_answered(
    app: FastAPI, tmp_path: Path, moment: str
) -> None:
    case_id = await _case(app)
    for window in ("as_of", "valid_at"):
        status, _ = await _get(app, tmp_path, f"/v1/cases/{case_id}/timeline", **{window: moment})
        assert status in (200, 404, 422)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/cases", "opened_to"),
        ("/v1/cases", "opened_from"),
        ("/v1/cases/case-1", "valid_at"),
        ("/v1/cases/case-1/timeline", "as_of"),
    ],
)
@pytest.mark.parametrize("number", ["0.5", "1700000000", "-1e3"])
async def test_a_time_given_as_a_number_is_refused_not_read_as_epoch_seconds(
    app: FastAPI, tmp_path: Path, path: str, name: str, number: str
) -> None:
    status, body = await _get(app, tmp_path, path, **{name: number})

    assert status == 422
    assert body["field"] == f"query.{name}"
    assert number not in str(body)


async def test_a_time_in_iso_8601_is_taken(app: FastAPI, tmp_path: Path) -> None:
    status, _ = await _get(app, tmp_path, "/v1/cases", opened_to="2026-12-01T00:00:00+09:00")
    assert status == 200
