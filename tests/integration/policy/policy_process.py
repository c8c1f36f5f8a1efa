"""The policy decision consumer as a process of its own, for the crash test: settings from the
environment, topics from a prefix, runs until SIGTERM (or until it is killed).

Usage: python -m tests.integration.policy.policy_process PREFIX INSTANCE_ID

INSTANCE_ID is kept across restarts, as a deployment keeps a replica's name (a StatefulSet
ordinal): the transactional id derives from it, so a restarted process fences its killed
predecessor and Kafka aborts the predecessor's open transaction at once instead of after the
transaction timeout, during which read_committed readers would stall.
"""

import asyncio
import sys

from services.policy.bootstrap import PolicyTopics, bootstrap
from shared.bus.kafka import KafkaBus
from shared.bus.runner import run_until_signalled
from shared.database import create_engine
from shared.infrastructure import Infrastructure
from shared.logs import configure_logging
from shared.settings import load_settings


async def main(prefix: str, instance_id: str) -> None:
    settings = load_settings(service_name="policy")
    configure_logging(settings)
    bus = KafkaBus(
        settings.kafka_bootstrap_servers,
        client_id=settings.kafka_client_id,
        instance_id=instance_id,
    )
    infrastructure = Infrastructure(settings, bus, create_engine(settings))
    service = bootstrap(
        settings, infrastructure=infrastructure, topics=PolicyTopics.prefixed(prefix)
    )
    async with infrastructure.running(), service.running():
        print("policy consumer running", flush=True)
        await run_until_signalled([service.decision_consumer()])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
