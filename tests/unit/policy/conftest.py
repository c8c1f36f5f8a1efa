"""Fixtures of the policy unit tests: the shipped policy file, as text and loaded, and the
policy service built by its own `bootstrap` on SQLite stores, with its tables made."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.policy.bootstrap import PolicyService, bootstrap
from services.policy.domain import Policy, load_policy
from shared.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[3]
POLICY_FILE = REPO_ROOT / "deploy" / "policy" / "guideline.toml"


@pytest.fixture(scope="session")
def policy_text() -> str:
    return POLICY_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def policy(policy_text: str) -> Policy:
    return load_policy(policy_text)


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[PolicyService]:
    """Policy as production wires it, on SQLite files of this test (its decision store and the
    key store intake encrypts with); the bus is not started: handlers are called directly."""
    settings = load_settings(
        service_name="policy",
        bus="embedded",
        embedded_bus_path=tmp_path / "bus.sqlite3",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
    )
    service = bootstrap(settings)
    async with service.running():
        yield service
    await service.infrastructure.engine.dispose()
