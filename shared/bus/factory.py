"""Builds the bus that settings choose: Kafka in the distributed runtime, embedded otherwise."""

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
    from shared.bus.embedded import EmbeddedBus

    settings.embedded_bus_path.parent.mkdir(parents=True, exist_ok=True)
    return EmbeddedBus(settings.embedded_bus_path)
