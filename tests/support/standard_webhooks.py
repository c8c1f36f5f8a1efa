"""A Standard Webhooks subscriber for tests: verifies every delivery with the `standardwebhooks`
library's own verifier (never caselog's code), and the events whose deliveries are checked,
seeded with personal data that must never reach a body."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook, WebhookVerificationError
from werkzeug import Request, Response

from shared.envelope import Envelope

SEEDED_NAME, SEEDED_EMAIL, SEEDED_PHONE = "山田 花子", "hanako.yamada@example.jp", "090-1234-5678"


class Receiver:
    """The subscriber: verifies each delivery with standardwebhooks, answers `answers` in turn
    (then 204), and keeps what it verified and what it refused."""

    def __init__(self, server: HTTPServer, answers: list[int] | None = None) -> None:
        self.secret = ""
        self.answers = list(answers or [])
        self.verified: list[tuple[dict[str, str], Any]] = []
        self.refused: list[str] = []
        self.bodies: list[str] = []
        server.expect_request("/hook", method="POST").respond_with_handler(self.handle)
        self.url = server.url_for("/hook")

    def handle(self, request: Request) -> Response:
        body = request.get_data(as_text=True)
        self.bodies.append(body)
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.refused.append(str(error))
            return Response(status=400)
        self.verified.append((headers, payload))
        return Response(status=self.answers.pop(0) if self.answers else 204)


async def until(
    condition: Callable[[], bool],
    refresh: Callable[[], Awaitable[None]] | None = None,
    timeout_s: float = 10.0,
) -> None:
    """Polls `condition` (after `refresh`) for up to `timeout_s`: deliveries happen on the
    app's own loop."""
    for _ in range(int(timeout_s / 0.02)):
        if refresh is not None:
            await refresh()
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the condition did not hold within {timeout_s} s")


def decision(case_id: str = "case-1", **payload: Any) -> Envelope:
    return Envelope(
        type="policy.decided",
        schema_version=1,
        case_id=case_id,
        subject_id="subject-1",
        occurred_at=datetime(2026, 12, 4, 9, tzinfo=UTC),
        producer="policy",
        correlation_id="corr-1",
        payload={
            "outcome": "refuse",
            "policy_version": "sha256:abc",
            "actions": ["warn_customer"],
            "reasons": [
                {
                    "rule": "abusive_language",
                    "article": "4.2",
                    "outcome": "refuse",
                    "note": f"{SEEDED_NAME} {SEEDED_EMAIL} {SEEDED_PHONE}",
                    "evidence": [{"kind": "fact", "fact": "email", "value": SEEDED_EMAIL}],
                }
            ],
            **payload,
        },
    )


def hold() -> Envelope:
    return Envelope(
        type="hold.placed",
        schema_version=1,
        case_id="case-1",
        occurred_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
        producer="privacy",
        correlation_id="corr-2",
        payload={
            "hold_id": "hold-1",
            "scope": "case",
            "case_ids": ["case-1"],
            "matter": "令和8年(ワ)第123号",
            "reason": f"complaint by {SEEDED_NAME}, {SEEDED_PHONE}",
            "placed_by": SEEDED_EMAIL,
            "placed_at": "2026-12-04T10:00:00+00:00",
        },
    )


async def subscribe(admin: AsyncClient, receiver: Receiver, types: list[str]) -> dict[str, Any]:
    created = await admin.post(
        "/v1/outbound-webhooks/subscriptions", json={"url": receiver.url, "event_types": types}
    )
    assert created.status_code == 201, created.text
    subscription: dict[str, Any] = created.json()
    receiver.secret = subscription["secret"]
    return subscription
