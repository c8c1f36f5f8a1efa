"""Access and erasure requests under Japan's APPI (個人情報保護法, "without delay": an internal
target), and `received_at`, when the person asked, checked against the server's clock: not in
the future, not absurdly old (issue 14 finding 21)."""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.privacy.bootstrap import Privacy
from services.privacy.domain.errors import InvalidRequestError
from services.privacy.domain.requests import STATUTORY_BASIS, Regime
from services.privacy.service_layer.messages import EraseSubject, Identities, RegisterAccess
from services.runtime.cli import main
from tests.unit.privacy.conftest import Clock, received
from tests.unit.privacy.samples import EMAIL


def asked(received_at: datetime | None, regime: Regime = Regime.APPI) -> RegisterAccess:
    return RegisterAccess(Identities(email=EMAIL), regime, "officer-1", received_at)


def erasure_asked(received_at: datetime | None) -> EraseSubject:
    return EraseSubject(Identities(email=EMAIL), Regime.APPI, "officer-1", received_at)


async def test_an_appi_request_is_due_within_the_internal_target_for_without_delay(
    privacy: Privacy, clock: Clock
) -> None:
    await received(privacy)
    three_days_ago = clock.now - timedelta(days=3)

    request = await privacy.handle(asked(three_days_ago))
    receipt = await privacy.handle(erasure_asked(three_days_ago))

    assert (request.regime, request.received_at) == (Regime.APPI, three_days_ago)
    assert request.due_at == three_days_ago + timedelta(days=14)
    assert receipt.receipt["received_at"] == three_days_ago.isoformat().replace("+00:00", "Z")
    assert "遅滞なく" in STATUTORY_BASIS[Regime.APPI].ja
    assert "without delay" in STATUTORY_BASIS[Regime.APPI].en


@pytest.mark.parametrize(
    "received_at",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime.fromisoformat("9999-12-31T23:59:59-14:00"),
        datetime(2026, 11, 6, 1, tzinfo=UTC),  # an hour ahead of the server
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2026, 8, 7, tzinfo=UTC),  # 91 days before the server's now
    ],
)
async def test_a_received_at_in_the_future_or_absurdly_old_is_refused(
    privacy: Privacy, received_at: datetime
) -> None:
    for request in (asked(received_at), erasure_asked(received_at)):
        with pytest.raises(InvalidRequestError) as refused:
            await privacy.handle(request)
        assert refused.value.field == "received_at"


async def test_a_clock_a_little_fast_counts_as_now(privacy: Privacy, clock: Clock) -> None:
    await received(privacy)
    request = await privacy.handle(asked(clock.now + timedelta(minutes=2)))

    assert request.received_at == clock.now


async def test_caselog_erase_sends_the_regime_and_when_the_person_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[httpx.Request] = []
    answer = {
        "receipt": {
            "request_id": "erasure-1",
            "status": "fulfilled",
            "erased_case_ids": [],
            "held_cases": [],
        },
        "signed_note": "note",
        "verifier_key": "key",
    }

    preview = {"subject_refs": ["s-1"], "cases": [], "subject_index": "every entry goes"}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/preview"):
            return httpx.Response(200, json=preview)
        seen.append(request)
        return httpx.Response(200, json=answer)

    real_client = httpx.Client
    monkeypatch.setattr(
        httpx,
        "Client",
        lambda **options: real_client(**options, transport=httpx.MockTransport(handle)),
    )
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "erase",
                "taro@example.jp",
                "--regime",
                "appi",
                "--received-at",
                "2026-11-02T10:00:00+09:00",
                "--yes",
                "--url",
                "http://privacy",
                "--token",
                "t",
            ]
        )

    assert exited.value.code == 0
    [request] = seen
    body = json.loads(request.content)
    assert (body["regime"], body["received_at"]) == ("appi", "2026-11-02T10:00:00+09:00")
