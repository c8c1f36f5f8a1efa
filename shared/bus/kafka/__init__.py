"""The bus on Apache Kafka, through aiokafka."""

from shared.bus.kafka.bus import KafkaBus

__all__ = ["KafkaBus"]
