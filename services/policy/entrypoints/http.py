"""The policy app: its HTTP API, and its decision and erasure consumers started and stopped with
it."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.policy.bootstrap import PolicyService, PolicyTopics, bootstrap
from services.policy.domain.errors import PolicyError
from services.policy.entrypoints.routes import MAX_REPLAY_EVENTS, router
from services.policy.service_layer.errors import UnevaluableEventError, UnknownPolicyVersionError
from shared.bus.runner import supervised
from shared.crypto.runtime import PersonalData
from shared.errors import CaselogError
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings
from shared.web.service import create_service_app

# A replay carries a whole case: up to MAX_REPLAY_EVENTS events as records serves them (a
# sealed consultation about 1 KiB), which the shared 256 KiB limit refuses from ~250 on.
MAX_BODY_BYTES = MAX_REPLAY_EVENTS * 1200

ERROR_STATUSES: dict[type[CaselogError], int] = {
    PolicyError: 422,
    UnevaluableEventError: 422,
    UnknownPolicyVersionError: 404,
}


def create_app(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
    topics: PolicyTopics | None = None,
) -> FastAPI:
    """The policy app; a policy file that does not validate raises here, before anything runs."""
    service: PolicyService = bootstrap(
        settings, infrastructure=infrastructure, personal=personal, topics=topics
    )

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[None]:
        async with (
            service.running(),
            # Supervised: a member that a broker failure ends is replaced, not left dead
            # beside an API that still answers (the fault tests restart the broker).
            supervised(service.decision_consumer, count=1),
            supervised(service.erasure_consumer, count=1),
        ):
            yield

    app = create_service_app(
        settings,
        service.infrastructure,
        routers=[router],
        running=running,
        error_statuses=ERROR_STATUSES,
        max_body_bytes=MAX_BODY_BYTES,
    )
    app.state.policy = service
    return app
