"""The privacy HTTP API: the shared probes, metrics and error shape, privacy's routes, and the
consumer that keeps privacy's store while the app runs."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.privacy.bootstrap import CONSUMER_GROUP, Privacy, Topics, bootstrap
from services.privacy.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NoMatchError,
    NotFoundError,
    PrivacyError,
)
from services.privacy.entrypoints import holds, keys, requests, retention, subjects
from services.privacy.entrypoints.consumer import (
    CONSUMER_DELIVERY,
    consumed_topics,
    privacy_handler,
)
from services.privacy.service_layer.ports import Clock
from shared.bus.interface import Consumer
from shared.bus.runner import supervised
from shared.crypto.runtime import PersonalData
from shared.envelope import utc_now
from shared.errors import CaselogError
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings
from shared.web.service import create_service_app

ERROR_STATUSES: dict[type[CaselogError], int] = {
    PrivacyError: 500,
    InvalidRequestError: 422,
    NotFoundError: 404,
    NoMatchError: 404,
    ConflictError: 409,
    ForbiddenError: 403,
}


def create_app(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
    *,
    clock: Clock = utc_now,
    topics: Topics | None = None,
    consumer_group: str = CONSUMER_GROUP,
) -> FastAPI:
    """The privacy app; tests may pass infrastructure, personal-data machinery, a clock (to
    age cases), and topics or a consumer group of their own (to run isolated)."""
    privacy: Privacy = bootstrap(
        settings,
        infrastructure,
        personal,
        clock=clock,
        topics=topics,
        consumer_group=consumer_group,
    )

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[None]:
        def subscribe() -> Consumer:
            return privacy.infrastructure.bus.subscribe_batch(
                privacy.consumer_group,
                consumed_topics(privacy.topics),
                privacy_handler(privacy),
                CONSUMER_DELIVERY,
            )

        async with privacy.running(), supervised(subscribe, count=1):
            yield

    app = create_service_app(
        settings,
        privacy.infrastructure,
        routers=[holds.router, retention.router, requests.router, keys.router, subjects.router],
        running=running,
        error_statuses=ERROR_STATUSES,
    )
    app.state.privacy = privacy
    app.state.records_log_key = (settings.privacy_records_log_key or "").strip() or None
    return app
