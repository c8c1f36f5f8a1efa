"""Policy's decision consumer (caselog.intake) and erasure consumer (caselog.privacy)
dead-letter an event of a type or a version they do not know, with the reason, on Kafka and
on the embedded bus (issue 15)."""

import functools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.policy.bootstrap import PolicyService, bootstrap
from services.policy.entrypoints import consumers
from services.policy.service_layer.errors import UnevaluableEventError, UnreadableErasureError
from shared.settings import load_settings
from tests.conformance.conftest import BusBackend
from tests.integration.consumer_dead_letters import (
    assert_unknown_events_dead_lettered,
    consumer_bus,
    subscriber,
)

__all__ = ["consumer_bus"]
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def policy(tmp_path: Path) -> AsyncIterator[PolicyService]:
    """Policy's handlers as bootstrap wires them, on SQLite stores of this test; its
    consumers are run below on the bus under test."""
    settings = load_settings(
        service_name="policy",
        bus="embedded",
        embedded_bus_path=tmp_path / "policy-bus.sqlite3",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
    )
    service = bootstrap(settings)
    async with service.running():
        yield service
    await service.infrastructure.engine.dispose()


async def test_unknown_intake_events_reach_the_decision_consumers_dlq_with_the_reason(
    consumer_bus: BusBackend, policy: PolicyService
) -> None:
    decide = functools.partial(consumers.decide, deps=policy.deps)
    await assert_unknown_events_dead_lettered(
        consumer_bus,
        "policy",
        lambda bus, group, topic: bus.transform_batch(group, [topic], decide),
        "consultation.received",
        UnevaluableEventError,
    )


async def test_unknown_privacy_events_reach_the_erasure_consumers_dlq_with_the_reason(
    consumer_bus: BusBackend, policy: PolicyService
) -> None:
    act = functools.partial(consumers.act_on_privacy, deps=policy.deps)
    await assert_unknown_events_dead_lettered(
        consumer_bus, "policy", subscriber(act), "subject.erased", UnreadableErasureError
    )
