"""Each platform's retries, racing and across a restart, record one consultation."""

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable

import pytest

from shared.envelope import decode_envelope
from shared.settings import CaselogSettings
from tests.integration.intake.conftest import FRESHDESK_SECRET, INTERCOM_SECRET, AppFactory
from tests.integration.intake.test_platforms_on_kafka import intake_events, zendesk_headers
from tests.unit.intake.platforms import test_freshdesk, test_intercom, test_zendesk

Delivery = tuple[bytes, dict[str, str]]
JSON = {"Content-Type": "application/json"}


def zendesk_delivery(ticket: str) -> Delivery:
    body = json.dumps(test_zendesk.ticket_created(id=ticket)).encode()
    return body, zendesk_headers(body)


def freshdesk_delivery(ticket: str) -> Delivery:
    body = json.dumps(test_freshdesk.document(id=ticket)).encode()
    return body, {**JSON, "X-Caselog-Webhook-Secret": FRESHDESK_SECRET}


def intercom_delivery(ticket: str) -> Delivery:
    conversation = test_intercom.conversation()
    conversation["id"] = ticket
    body = json.dumps(test_intercom.notification("conversation.user.created", conversation))
    signature = hmac.new(INTERCOM_SECRET.encode(), body.encode(), hashlib.sha1).hexdigest()
    return body.encode(), {**JSON, "X-Hub-Signature": f"sha1={signature}"}


DELIVERIES: dict[str, Callable[[str], Delivery]] = {
    "zendesk": zendesk_delivery,
    "freshdesk": freshdesk_delivery,
    "intercom": intercom_delivery,
}


@pytest.mark.parametrize("platform", sorted(DELIVERIES))
async def test_retries_racing_and_after_a_restart_record_one_consultation(
    platform: str, intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    ticket = str(uuid.uuid4().int % 10**12)
    url = f"/v1/webhooks/{platform}"
    async with intake_client() as client:
        racing = await asyncio.gather(
            *(client.post(url, content=b, headers=h) for b, h in [DELIVERIES[platform](ticket)] * 5)
        )
    async with intake_client() as restarted:
        body, headers = DELIVERIES[platform](ticket)  # freshly signed, as a real retry is
        after_restart = await restarted.post(url, content=body, headers=headers)

    assert [r.status_code for r in racing] == [202] * 5, racing[0].text
    answers = {(r.json()["case_id"], r.json()["event_id"]) for r in [*racing, after_restart]}
    assert len(answers) == 1
    [(case_id, _)] = answers
    events = [
        v for v in await intake_events(intake_settings) if decode_envelope(v).case_id == case_id
    ]
    assert len(events) == 1
