"""Intake's stores on SQLite (files per test) and on the real PostgreSQL server (a database
per test: the ledger's table names are fixed), wired as `bootstrap` wires them."""

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest

from services.intake.adapters.case_keys import KeyStoreCases
from services.intake.adapters.ledger import SqlLedger, create_ledger_tables
from services.intake.service_layer.unit_of_work import IntakeStores
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.database import engine_for_url
from shared.settings import load_settings
from tests.integration.databases import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
async def database_urls(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[str, str]]:
    """The ledger's URL and the key store's."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/ledger.db", f"sqlite+aiosqlite:///{tmp_path}/keys.db"
        return
    server: str = request.getfixturevalue("postgres_url")
    async with fresh_database(server) as ledger, fresh_database(server) as keys:
        yield ledger, keys


@pytest.fixture
async def personal(database_urls: tuple[str, str], tmp_path: Path) -> AsyncIterator[PersonalData]:
    settings = load_settings(
        service_name="intake-contract",
        keystore_url=database_urls[1],
        crypto={"keyring_dir": tmp_path / "keyring"},
    )
    personal = build_personal_data(settings)
    await personal.start()
    yield personal
    await personal.close()


@pytest.fixture
async def stores(
    database_urls: tuple[str, str], personal: PersonalData
) -> AsyncIterator[IntakeStores]:
    ledger_engine = engine_for_url(database_urls[0])
    await create_ledger_tables(ledger_engine)
    yield IntakeStores(
        ledger_engine=ledger_engine,
        key_store_engine=personal.engine,
        ledger_on=SqlLedger,
        cases_on=partial(KeyStoreCases, index=personal.subjects, keys=personal.keys),
    )
    await ledger_engine.dispose()
