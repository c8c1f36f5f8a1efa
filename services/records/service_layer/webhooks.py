"""Outbound webhooks: subscriptions, a delivery per (event, subscriber), attempts on a retry
schedule, the subscription disabled once a delivery has failed for the whole schedule, and
redelivery on request (docs/decisions/0028-outbound-webhooks.md).

At least once: a delivery is queued before the bus commits the event's offset, and every
attempt of it carries the same `webhook-id`, so a receiver de-duplicates. The queue is kept in
memory in this first version (the decision record says what a restart loses)."""

import asyncio
import base64
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.records.domain.webhooks import (
    SOURCE_TYPES,
    Delivery,
    RetrySchedule,
    SendOutcome,
    Subscription,
    SubscriptionNotFoundError,
    WebhookEventType,
    webhook_payload,
)
from shared.envelope import Envelope, utc_now

SECRET_BYTES = 32
Sender = Callable[[str, str, str, datetime, str], Awaitable[SendOutcome]]


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@dataclass
class WebhookService:
    """Subscriptions and their deliveries; `send(url, secret, message_id, sent_at, body)`."""

    send: Sender
    schedule: RetrySchedule
    clock: Callable[[], datetime] = utc_now
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def subscribe(self, url: str, event_types: frozenset[WebhookEventType]) -> Subscription:
        subscription = Subscription(
            subscription_id=str(uuid.uuid4()),
            url=url,
            event_types=event_types,
            secret=new_secret(),
            created_at=self.clock(),
        )
        self.subscriptions[subscription.subscription_id] = subscription
        return subscription

    def subscription(self, subscription_id: str) -> Subscription:
        try:
            return self.subscriptions[subscription_id]
        except KeyError:
            raise SubscriptionNotFoundError("no such subscription") from None

    def set_enabled(self, subscription_id: str, enabled: bool) -> Subscription:
        subscription = self.subscription(subscription_id)
        subscription.enabled = enabled
        subscription.disabled_reason = None if enabled else "disabled by an administrator"
        return subscription

    def delete(self, subscription_id: str) -> None:
        self.subscription(subscription_id)
        del self.subscriptions[subscription_id]
        for delivery_id in [
            d.delivery_id for d in self.deliveries.values() if d.subscription_id == subscription_id
        ]:
            del self.deliveries[delivery_id]

    def log(self, subscription_id: str) -> list[Delivery]:
        self.subscription(subscription_id)
        return [d for d in self.deliveries.values() if d.subscription_id == subscription_id]

    def enqueue(self, envelope: Envelope) -> list[Delivery]:
        """A delivery for each enabled subscription that wants the event; an event seen again
        (the bus redelivers) queues nothing new."""
        kind = SOURCE_TYPES.get(envelope.type)
        payload = webhook_payload(envelope)
        if kind is None or payload is None:
            return []
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
        queued = []
        for subscription in self.subscriptions.values():
            key = (subscription.subscription_id, str(envelope.event_id))
            if not subscription.wants(kind) or key in self._seen:
                continue
            self._seen.add(key)
            delivery = Delivery(
                delivery_id=str(uuid.uuid4()),
                subscription_id=subscription.subscription_id,
                message_id=f"msg_{envelope.event_id}",
                event_type=payload["type"],
                body=body,
                next_attempt_at=self.clock(),
            )
            self.deliveries[delivery.delivery_id] = delivery
            queued.append(delivery)
        return queued

    def redeliver(self, subscription_id: str, delivery_id: str) -> Delivery:
        """Due again now, with the same `webhook-id`; its schedule starts over."""
        delivery = self.deliveries.get(delivery_id)
        if delivery is None or delivery.subscription_id != subscription_id:
            raise SubscriptionNotFoundError("no such delivery")
        delivery.status, delivery.attempts = "pending", 0
        delivery.next_attempt_at = self.clock()
        return delivery

    async def deliver_due(self) -> int:
        """Attempts every delivery that is due to an enabled subscription; returns how many."""
        async with self._lock:
            now = self.clock()
            due = [
                d
                for d in self.deliveries.values()
                if d.status == "pending"
                and d.next_attempt_at is not None
                and d.next_attempt_at <= now
                and self.subscriptions[d.subscription_id].enabled
            ]
            for delivery in due:
                await self._attempt(delivery)
            return len(due)

    async def _attempt(self, delivery: Delivery) -> None:
        subscription = self.subscriptions[delivery.subscription_id]
        now = self.clock()
        outcome = await self.send(
            subscription.url, subscription.secret, delivery.message_id, now, delivery.body
        )
        delivery.attempts += 1
        delivery.attempted_at.append(now)
        delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
        if outcome.ok:
            delivery.status, delivery.next_attempt_at = "succeeded", None
            return
        delivery.next_attempt_at = self.schedule.next_attempt(delivery.attempts, now)
        if delivery.next_attempt_at is None:
            delivery.status = "failed"
            subscription.enabled = False
            subscription.disabled_reason = (
                f"a delivery failed {delivery.attempts} times over the whole retry schedule"
            )

    async def run(self, interval_s: float) -> None:
        """Delivers what is due, every `interval_s`, until cancelled."""
        while True:
            await self.deliver_due()
            await asyncio.sleep(interval_s)
