"""Outbound webhooks (Standard Webhooks): what a subscriber may ask for, what it is sent, and when
a failed delivery is tried again (docs/decisions/0028-outbound-webhooks.md).

A payload is built from a fixed allow-list of each event type's fields: ids, times, outcomes,
rule ids, article numbers and actions. Personal data never reaches a subscriber, because no
field outside the list is ever copied (a new field in an event contract stays out until it is
added here on purpose)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from shared.envelope import Envelope
from shared.errors import CaselogError


class WebhookEventType(StrEnum):
    """The kinds of event a subscription may ask for (its `event_types`)."""

    DECISION = "decision"
    CLOSURE = "closure"
    HOLD = "hold"
    ERASURE_COMPLETION = "erasure_completion"


SOURCE_TYPES: Mapping[str, WebhookEventType] = {
    "policy.decided": WebhookEventType.DECISION,
    "closure.decided": WebhookEventType.CLOSURE,
    "hold.placed": WebhookEventType.HOLD,
    "hold.released": WebhookEventType.HOLD,
    "subject.erased": WebhookEventType.ERASURE_COMPLETION,
}
"""The caselog event types that are delivered, and the kind each is delivered as."""

DeliveryStatus = Literal["pending", "succeeded", "failed"]


class WebhookError(CaselogError):
    """A webhook request that cannot be carried out."""


class UnsafeWebhookUrlError(WebhookError):
    """The URL is not http(s), or (in production) points at a loopback or private address."""


class SubscriptionNotFoundError(WebhookError):
    """No subscription (or delivery) with that id."""


def _decision_data(payload: Mapping[str, Any]) -> dict[str, Any]:
    reasons: Sequence[Mapping[str, Any]] = payload.get("reasons") or []
    return {
        "outcome": payload.get("outcome"),
        "policy_version": payload.get("policy_version"),
        "rules": [str(reason.get("rule")) for reason in reasons],
        "articles": sorted({str(reason.get("article")) for reason in reasons}),
        "actions": list(payload.get("actions") or []),
    }


def _hold_data(payload: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("hold_id", "scope", "case_ids", "placed_at", "released_at", "review_at")
    return {key: payload.get(key) for key in keys}


def _erasure_data(payload: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("request_id", "erased_case_ids", "held_case_ids", "erased_at", "key_destroyed_at")
    return {key: payload.get(key) for key in keys}


_DATA: Mapping[WebhookEventType, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    WebhookEventType.DECISION: _decision_data,
    WebhookEventType.CLOSURE: _decision_data,
    WebhookEventType.HOLD: _hold_data,
    WebhookEventType.ERASURE_COMPLETION: _erasure_data,
}


def webhook_payload(envelope: Envelope) -> dict[str, Any] | None:
    """The body sent for `envelope` (Standard Webhooks' `type`, `timestamp`, `data`), or None
    for an event type nobody can subscribe to."""
    kind = SOURCE_TYPES.get(envelope.type)
    if kind is None:
        return None
    data = {
        "event_id": str(envelope.event_id),
        "event_type": envelope.type,
        "case_id": envelope.case_id,
        "occurred_at": envelope.occurred_at.isoformat(),
        "recorded_at": envelope.recorded_at.isoformat(),
        **_DATA[kind](envelope.payload),
    }
    return {
        "type": f"caselog.{kind.value}",
        "timestamp": envelope.recorded_at.isoformat(),
        "data": data,
    }


@dataclass
class Subscription:
    """One subscriber: where to send, what, signed with which secret (`whsec_...`)."""

    subscription_id: str
    url: str
    event_types: frozenset[WebhookEventType]
    secret: str
    created_at: datetime
    enabled: bool = True
    disabled_reason: str | None = None

    def wants(self, kind: WebhookEventType) -> bool:
        return self.enabled and kind in self.event_types


@dataclass
class Delivery:
    """One message to one subscriber. Its `message_id` is the `webhook-id` of every attempt, so a
    receiver can de-duplicate the at-least-once retries."""

    delivery_id: str
    subscription_id: str
    message_id: str
    event_type: str
    body: str
    next_attempt_at: datetime | None
    status: DeliveryStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    last_status_code: int | None = None


@dataclass(frozen=True)
class SendOutcome:
    """What one attempt got: a 2xx is a success; anything else, or no answer, is retried."""

    ok: bool
    status_code: int | None
    error: str | None


@dataclass(frozen=True)
class RetrySchedule:
    """The waits after each failed attempt; when they are used up the delivery has failed."""

    waits_s: tuple[float, ...]

    def next_attempt(self, failed_attempts: int, now: datetime) -> datetime | None:
        if failed_attempts > len(self.waits_s):
            return None
        return now + timedelta(seconds=self.waits_s[failed_attempts - 1])
