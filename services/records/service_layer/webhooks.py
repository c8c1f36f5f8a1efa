"""Outbound webhooks: subscriptions, a delivery per (event, subscriber), attempts on a retry
schedule, the subscription disabled once a delivery has failed for the whole schedule, and
redelivery on request (docs/decisions/0028-outbound-webhooks.md).

At least once: a delivery is stored before the bus commits the event's offset, and every
attempt of it carries the same `webhook-id`, so a receiver de-duplicates."""

import asyncio
import base64
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

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


class WebhookStore(Protocol):
    """Where subscriptions and deliveries are kept (adapters.webhook_store)."""

    async def add_subscription(self, subscription: Subscription) -> None: ...
    async def save_subscription(self, subscription: Subscription) -> None: ...
    async def subscription(self, subscription_id: str) -> Subscription | None: ...
    async def all_subscriptions(self) -> list[Subscription]: ...
    async def delete_subscription(self, subscription_id: str) -> None: ...
    async def add_delivery(self, delivery: Delivery) -> bool: ...
    async def save_delivery(self, delivery: Delivery) -> None: ...
    async def delivery(self, delivery_id: str) -> Delivery | None: ...
    async def deliveries_of(self, subscription_id: str) -> list[Delivery]: ...
    async def due(self, now: datetime) -> list[Delivery]: ...


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@dataclass
class WebhookService:
    """Subscriptions and their deliveries; `send(url, secret, message_id, sent_at, body)`."""

    store: WebhookStore
    send: Sender
    schedule: RetrySchedule
    clock: Callable[[], datetime] = utc_now
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def subscribe(self, url: str, event_types: frozenset[WebhookEventType]) -> Subscription:
        subscription = Subscription(
            subscription_id=str(uuid.uuid4()),
            url=url,
            event_types=event_types,
            secret=new_secret(),
            created_at=self.clock(),
        )
        await self.store.add_subscription(subscription)
        return subscription

    async def subscription(self, subscription_id: str) -> Subscription:
        subscription = await self.store.subscription(subscription_id)
        if subscription is None:
            raise SubscriptionNotFoundError("no such subscription")
        return subscription

    async def set_enabled(self, subscription_id: str, enabled: bool) -> Subscription:
        subscription = await self.subscription(subscription_id)
        subscription.enabled = enabled
        subscription.disabled_reason = None if enabled else "disabled by an administrator"
        await self.store.save_subscription(subscription)
        return subscription

    async def delete(self, subscription_id: str) -> None:
        await self.subscription(subscription_id)
        await self.store.delete_subscription(subscription_id)

    async def log(self, subscription_id: str) -> list[Delivery]:
        await self.subscription(subscription_id)
        return await self.store.deliveries_of(subscription_id)

    async def enqueue_all(self, envelopes: Sequence[Envelope]) -> int:
        """A delivery for each enabled subscription that wants each event, the subscriptions
        read once for the batch; an event seen again (the bus redelivers) queues nothing new.
        Returns how many were queued."""
        wanted = [
            (envelope, kind, payload)
            for envelope in envelopes
            if (kind := SOURCE_TYPES.get(envelope.type)) is not None
            and (payload := webhook_payload(envelope)) is not None
        ]
        if not wanted:
            return 0
        subscriptions = await self.store.all_subscriptions()
        queued = 0
        for envelope, kind, payload in wanted:
            body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
            for subscription in subscriptions:
                if not subscription.wants(kind):
                    continue
                delivery = Delivery(
                    delivery_id=str(uuid.uuid4()),
                    subscription_id=subscription.subscription_id,
                    message_id=f"msg_{envelope.event_id}",
                    event_type=payload["type"],
                    body=body,
                    next_attempt_at=self.clock(),
                )
                queued += await self.store.add_delivery(delivery)
        return queued

    async def redeliver(self, subscription_id: str, delivery_id: str) -> Delivery:
        """Due again now, with the same `webhook-id`; its schedule starts over."""
        delivery = await self.store.delivery(delivery_id)
        if delivery is None or delivery.subscription_id != subscription_id:
            raise SubscriptionNotFoundError("no such delivery")
        delivery.status, delivery.attempts = "pending", 0
        delivery.next_attempt_at = self.clock()
        await self.store.save_delivery(delivery)
        return delivery

    async def deliver_due(self) -> int:
        """Attempts every delivery that is due to an enabled subscription; returns how many."""
        async with self._lock:
            due = await self.store.due(self.clock())
            for delivery in due:
                await self._attempt(delivery)
            return len(due)

    async def _attempt(self, delivery: Delivery) -> None:
        subscription = await self.subscription(delivery.subscription_id)
        now = self.clock()
        outcome = await self.send(
            subscription.url, subscription.secret, delivery.message_id, now, delivery.body
        )
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
        if outcome.ok:
            delivery.status, delivery.next_attempt_at = "succeeded", None
        else:
            delivery.next_attempt_at = self.schedule.next_attempt(delivery.attempts, now)
            if delivery.next_attempt_at is None:
                delivery.status = "failed"
                subscription.enabled = False
                subscription.disabled_reason = (
                    f"a delivery failed {delivery.attempts} times over the whole retry schedule"
                )
                await self.store.save_subscription(subscription)
        await self.store.save_delivery(delivery)

    async def run(self, interval_s: float) -> None:
        """Delivers what is due, every `interval_s`, until cancelled."""
        while True:
            await self.deliver_due()
            await asyncio.sleep(interval_s)
