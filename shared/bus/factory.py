"""Builds the bus that settings choose: Kafka in the distributed runtime, embedded otherwise,
in-memory for unit tests and bootstraps that must touch neither disk nor broker."""

from shared.bus.interface import Bus
from shared.settings import CaselogSettings


def build_bus(settings: CaselogSettings) -> Bus:
    """A started-on-demand bus; the Kafka client is imported only when Kafka is chosen."""
    if settings.bus == "kafka":
        from shared.bus.kafka import KafkaBus

        return KafkaBus(
            settings.kafka_bootstrap_servers,
            client_id=settings.kafka_client_id,
            instance_id=f"{settings.service_name}-{settings.kafka_instance_id}",
        )
    if settings.bus == "memory":
        from shared.bus.memory import MemoryBus

        # Each build has a broker of its own: services that must meet on one broker are
        # given one MemoryBus (or MemoryBus(broker) each) instead of building their own.
        return MemoryBus()
    from shared.bus.embedded import EmbeddedBus

    settings.embedded_bus_path.parent.mkdir(parents=True, exist_ok=True)
    return EmbeddedBus(settings.embedded_bus_path)
