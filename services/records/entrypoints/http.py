"""The records HTTP API: the shared probes, metrics and error shape, records' routes, and the
consumer that appends every topic's events while the app runs."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.records.adapters.case_index import SqlCaseIndex
from services.records.adapters.webhook_store import SqlWebhookStore
from services.records.bootstrap import Records, bootstrap
from services.records.domain.errors import (
    CaseNotFoundError,
    CheckpointNotFoundError,
    EntriesNotPublishedError,
    InvalidPurposeError,
    NotAnErasureError,
    PurposeRequiredError,
    RecordsError,
    RevealRefusedError,
    SizeOutOfRangeError,
    TileNotFoundError,
    UnknownEventError,
)
from services.records.domain.webhooks import SubscriptionNotFoundError, UnsafeWebhookUrlError
from services.records.entrypoints import cases, proofs, public_log, search, webhooks
from services.records.entrypoints.consumer import PATIENT_DELIVERY, record_handler
from shared.bus.runner import supervised
from shared.crypto.runtime import PersonalData
from shared.errors import CaselogError
from shared.infrastructure import Infrastructure
from shared.merkle.errors import EntryTooLargeError, KeyFormatError, TilePathError
from shared.merkle.keys import NoteVerifier
from shared.settings import CaselogSettings, SettingsError
from shared.web.service import create_service_app

ERROR_STATUSES: dict[type[CaselogError], int] = {
    RecordsError: 500,
    CaseNotFoundError: 404,
    UnknownEventError: 404,
    CheckpointNotFoundError: 404,
    SizeOutOfRangeError: 422,
    PurposeRequiredError: 422,
    InvalidPurposeError: 422,
    NotAnErasureError: 422,
    RevealRefusedError: 403,
    TileNotFoundError: 404,
    EntriesNotPublishedError: 404,
    TilePathError: 404,
    EntryTooLargeError: 500,
    UnsafeWebhookUrlError: 422,
    SubscriptionNotFoundError: 404,
}


def create_app(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
) -> FastAPI:
    """The records app; tests may pass infrastructure and personal-data machinery."""
    records: Records = bootstrap(settings, infrastructure, personal)
    client = webhooks.webhook_client(settings)
    webhook_store = SqlWebhookStore(records.infrastructure.engine, records.tables.prefix)

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[None]:
        handler = record_handler(records.handle)
        bus = records.infrastructure.bus
        group, topics = settings.records_consumer_group, settings.records_topics
        members = settings.records_consumer_members
        async with (
            records.running(),
            supervised(
                lambda: bus.subscribe_batch(group, topics, handler, PATIENT_DELIVERY), members
            ),
            client,
            webhooks.delivering(settings, bus, app.state.webhooks, webhook_store),
        ):
            yield

    app = create_service_app(
        settings,
        records.infrastructure,
        routers=[search.router, cases.router, proofs.router, public_log.router, webhooks.router],
        running=running,
        error_statuses=ERROR_STATUSES,
    )
    app.state.records = records
    app.state.settings = settings
    app.state.webhooks = webhooks.webhook_service(settings, webhook_store, client)
    app.state.published_keys = [records.identity.verifier_key, *_published(settings)]
    app.state.case_index = SqlCaseIndex(records.infrastructure.engine, records.tables)
    return app


def _published(settings: CaselogSettings) -> list[str]:
    """`records_published_keys`, each checked to be a note verifier key (a typo stops start-up)."""
    try:
        return [
            NoteVerifier.parse(key.strip()).key_string() for key in settings.records_published_keys
        ]
    except KeyFormatError as error:
        raise SettingsError(f"records_published_keys: {error}") from None
