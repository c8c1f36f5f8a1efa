"""Outbound webhook subscriptions (`/v1/outbound-webhooks/...`, admin only): create (the secret
is shown once, in the answer to the create), list, enable/disable, delete, a delivery log and
manual redelivery; and the payload schemas, for any signed-in role (they hold no data)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import AnyHttpUrl, BaseModel, Field, StrictBool

from services.records.adapters.webhook_sender import HttpxSender, check_url
from services.records.adapters.webhook_store import SqlWebhookStore
from services.records.domain.webhook_schemas import PAYLOAD_SCHEMAS
from services.records.domain.webhooks import (
    Delivery,
    RetrySchedule,
    Subscription,
    WebhookEventType,
)
from services.records.service_layer.webhooks import WebhookService
from shared.auth.roles import Principal, Role
from shared.bus.interface import Bus
from shared.bus.messages import ConsumedMessage
from shared.bus.runner import supervised
from shared.envelope import decode_envelope
from shared.settings import CaselogSettings
from shared.web.auth import require_roles
from shared.web.openapi import problem_responses

router = APIRouter(
    prefix="/v1/outbound-webhooks",
    tags=["webhooks"],
    responses=problem_responses(401, 403, 404, 422),
)
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
AnyRole = Annotated[Principal, Depends(require_roles(*Role))]
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f-]+$")]


def get_webhooks(request: Request) -> WebhookService:
    service: WebhookService = request.app.state.webhooks
    return service


Webhooks = Annotated[WebhookService, Depends(get_webhooks)]


class SubscriptionIn(BaseModel):
    url: AnyHttpUrl
    event_types: list[WebhookEventType] = Field(min_length=1)


class SubscriptionOut(BaseModel):
    subscription_id: str
    url: str
    event_types: list[WebhookEventType]
    enabled: bool
    disabled_reason: str | None
    created_at: datetime


class CreatedSubscriptionOut(SubscriptionOut):
    secret: str = Field(description="whsec_...: shown this once, keep it to verify deliveries")


class EnabledIn(BaseModel):
    enabled: StrictBool  # `0` or "yes" is refused (422), not read as a boolean


class DeliveryOut(BaseModel):
    delivery_id: str
    webhook_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None


def _subscription_fields(subscription: Subscription) -> dict[str, Any]:
    return {
        "subscription_id": subscription.subscription_id,
        "url": subscription.url,
        "event_types": sorted(subscription.event_types),
        "enabled": subscription.enabled,
        "disabled_reason": subscription.disabled_reason,
        "created_at": subscription.created_at,
    }


def _delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=delivery.delivery_id,
        webhook_id=delivery.message_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
    )


@router.post("/subscriptions", status_code=201, response_model=CreatedSubscriptionOut)
async def create_subscription(
    body: SubscriptionIn, webhooks: Webhooks, request: Request, _admin: Admin
) -> CreatedSubscriptionOut:
    settings: CaselogSettings = request.app.state.settings
    url = str(body.url)
    check_url(
        url,
        production=settings.environment == "production",
        allowed_hosts=settings.records_webhook_allowed_hosts,
    )
    subscription = await webhooks.subscribe(url, frozenset(body.event_types))
    return CreatedSubscriptionOut(**_subscription_fields(subscription), secret=subscription.secret)


@router.get("/subscriptions", response_model=list[SubscriptionOut])
async def list_subscriptions(webhooks: Webhooks, _admin: Admin) -> list[SubscriptionOut]:
    return [
        SubscriptionOut(**_subscription_fields(s)) for s in await webhooks.store.all_subscriptions()
    ]


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
async def enable_subscription(
    subscription_id: Id, body: EnabledIn, webhooks: Webhooks, _admin: Admin
) -> SubscriptionOut:
    return SubscriptionOut(
        **_subscription_fields(await webhooks.set_enabled(subscription_id, body.enabled))
    )


@router.delete("/subscriptions/{subscription_id}", status_code=204)
async def delete_subscription(subscription_id: Id, webhooks: Webhooks, _admin: Admin) -> Response:
    await webhooks.delete(subscription_id)
    return Response(status_code=204)


@router.get("/subscriptions/{subscription_id}/deliveries", response_model=list[DeliveryOut])
async def delivery_log(subscription_id: Id, webhooks: Webhooks, _admin: Admin) -> list[DeliveryOut]:
    return [_delivery_out(d) for d in await webhooks.log(subscription_id)]


@router.post(
    "/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
)
async def redeliver(
    subscription_id: Id, delivery_id: Id, webhooks: Webhooks, _admin: Admin
) -> DeliveryOut:
    return _delivery_out(await webhooks.redeliver(subscription_id, delivery_id))


@router.get("/schemas")
async def payload_schemas(_caller: AnyRole) -> dict[str, Any]:
    """The JSON Schema of each payload type (`caselog.decision`, ...); any signed-in role (they
    hold no data, and are committed in schemas/webhooks/v1/ for those without a token)."""
    return PAYLOAD_SCHEMAS


def webhook_service(
    settings: CaselogSettings, store: SqlWebhookStore, client: httpx.AsyncClient
) -> WebhookService:
    sender = HttpxSender(
        client,
        production=settings.environment == "production",
        allowed_hosts=settings.records_webhook_allowed_hosts,
    )
    return WebhookService(store, sender, RetrySchedule(settings.records_webhook_retry_waits_s))


def webhook_client(settings: CaselogSettings) -> httpx.AsyncClient:
    """Outbound calls time out, and never follow a redirect (it could lead past check_url)."""
    return httpx.AsyncClient(timeout=settings.records_webhook_timeout_s, follow_redirects=False)


@contextlib.asynccontextmanager
async def delivering(
    settings: CaselogSettings, bus: Bus, service: WebhookService, service_store: SqlWebhookStore
) -> AsyncIterator[None]:
    """While the app runs: its own consumer group queues deliveries from the policy and privacy
    topics (so a slow subscriber never holds up the log), and a loop delivers what is due."""

    async def queue(batch: Sequence[ConsumedMessage]) -> None:
        await service.enqueue_all([decode_envelope(message.value) for message in batch])

    await service_store.create_tables()
    group = settings.records_webhook_consumer_group
    topics = (settings.topics.policy, settings.topics.privacy)
    async with supervised(lambda: bus.subscribe_batch(group, topics, queue), 1):
        loop = asyncio.create_task(service.run(settings.records_webhook_poll_interval_s))
        try:
            yield
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
