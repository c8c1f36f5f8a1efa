"""Outbound webhook subscriptions and deliveries in records' database, so a restart forgets
neither, and every records process sees every subscription (the consumer group spreads the
partitions over them). Tables of their own (`<prefix>webhook_subscriptions`,
`<prefix>webhook_deliveries`), created on first start; unlike the log they are updated."""

import dataclasses
import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.domain.webhooks import Delivery, Subscription, WebhookEventType
from shared.sql_types import as_utc


class SqlWebhookStore:
    """The service's repository (service_layer.webhooks.WebhookStore) over SQLAlchemy."""

    def __init__(self, engine: AsyncEngine, prefix: str = "") -> None:
        self._engine = engine
        metadata = MetaData()
        self.subscriptions = Table(
            f"{prefix}webhook_subscriptions",
            metadata,
            Column("subscription_id", String(36), primary_key=True),
            Column("url", Text, nullable=False),
            Column("event_types", Text, nullable=False),
            Column("secret", String(100), nullable=False),
            Column("created_at", DateTime(timezone=True), nullable=False),
            Column("enabled", Boolean, nullable=False),
            Column("disabled_reason", Text, nullable=True),
        )
        self.deliveries = Table(
            f"{prefix}webhook_deliveries",
            metadata,
            Column("delivery_id", String(36), primary_key=True),
            Column("subscription_id", String(36), nullable=False, index=True),
            Column("message_id", String(64), nullable=False),
            Column("event_type", String(64), nullable=False),
            Column("body", Text, nullable=False),
            Column("next_attempt_at", DateTime(timezone=True), nullable=True, index=True),
            Column("status", String(16), nullable=False),
            Column("attempts", Integer, nullable=False),
            Column("last_error", Text, nullable=True),
            Column("last_status_code", Integer, nullable=True),
            UniqueConstraint(
                "subscription_id", "message_id", name=f"{prefix}webhook_deliveries_once"
            ),
        )
        self._metadata = metadata

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(self._metadata.create_all, checkfirst=True)

    async def add_subscription(self, subscription: Subscription) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(self.subscriptions).values(**_subscription_row(subscription))
            )

    async def save_subscription(self, subscription: Subscription) -> None:
        row = _subscription_row(subscription)
        async with self._engine.begin() as connection:
            await connection.execute(
                update(self.subscriptions)
                .where(self.subscriptions.c.subscription_id == subscription.subscription_id)
                .values(enabled=row["enabled"], disabled_reason=row["disabled_reason"])
            )

    async def subscription(self, subscription_id: str) -> Subscription | None:
        table = self.subscriptions
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(table).where(table.c.subscription_id == subscription_id)
                )
            ).first()
        return None if row is None else _subscription(row._asdict())

    async def all_subscriptions(self) -> list[Subscription]:
        table = self.subscriptions
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(table).order_by(table.c.created_at))
        return [_subscription(row._asdict()) for row in rows]

    async def delete_subscription(self, subscription_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(self.deliveries).where(self.deliveries.c.subscription_id == subscription_id)
            )
            await connection.execute(
                delete(self.subscriptions).where(
                    self.subscriptions.c.subscription_id == subscription_id
                )
            )

    async def add_delivery(self, delivery: Delivery) -> bool:
        """False if the subscription already has this message (the bus redelivered it)."""
        try:
            async with self._engine.begin() as connection:
                await connection.execute(insert(self.deliveries).values(**_delivery_row(delivery)))
        except IntegrityError:
            return False
        return True

    async def save_delivery(self, delivery: Delivery) -> None:
        row = _delivery_row(delivery)
        async with self._engine.begin() as connection:
            await connection.execute(
                update(self.deliveries)
                .where(self.deliveries.c.delivery_id == delivery.delivery_id)
                .values(**row)
            )

    async def delivery(self, delivery_id: str) -> Delivery | None:
        table = self.deliveries
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(select(table).where(table.c.delivery_id == delivery_id))
            ).first()
        return None if row is None else _delivery(row._asdict())

    async def deliveries_of(self, subscription_id: str) -> list[Delivery]:
        table = self.deliveries
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(table).where(table.c.subscription_id == subscription_id)
            )
        return [_delivery(row._asdict()) for row in rows]

    async def due(self, now: datetime) -> list[Delivery]:
        """Pending deliveries due by `now`, of enabled subscriptions, oldest first."""
        d, s = self.deliveries, self.subscriptions
        query = (
            select(d)
            .join(s, s.c.subscription_id == d.c.subscription_id)
            .where(d.c.status == "pending", d.c.next_attempt_at <= now, s.c.enabled.is_(True))
            .order_by(d.c.next_attempt_at)
        )
        async with self._engine.connect() as connection:
            rows = await connection.execute(query)
        return [_delivery(row._asdict()) for row in rows]


def _subscription_row(subscription: Subscription) -> dict[str, Any]:
    return dataclasses.asdict(subscription) | {
        "event_types": json.dumps(sorted(subscription.event_types))
    }


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        **row
        | {
            "event_types": frozenset(WebhookEventType(t) for t in json.loads(row["event_types"])),
            "created_at": as_utc(row["created_at"]),
        }
    )


def _delivery_row(delivery: Delivery) -> dict[str, Any]:
    return dataclasses.asdict(delivery)


def _delivery(row: dict[str, Any]) -> Delivery:
    return Delivery(**row | {"next_attempt_at": as_utc(row["next_attempt_at"])})
