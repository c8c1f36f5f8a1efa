"""Creates declared topics (never relying on broker auto-creation)."""

from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.bus.errors import BusError
from shared.bus.topics import TopicSpec, with_dead_letter_topics


async def create_missing_topics(
    admin: AIOKafkaAdminClient, specs: Sequence[TopicSpec], replication_factor: int
) -> None:
    """Create every topic of `specs` (and its DLQ) that the cluster lacks."""
    wanted = with_dead_letter_topics(list(specs), dlq_retention_ms=-1)
    existing = set(await admin.list_topics())
    missing = {spec.name: spec for spec in wanted if spec.name not in existing}
    if not missing:
        return
    new_topics = [
        NewTopic(
            name=spec.name,
            num_partitions=spec.partitions,
            replication_factor=replication_factor,
            topic_configs=spec.kafka_config(),
        )
        for spec in missing.values()
    ]
    response = await admin.create_topics(new_topics)
    for name, code, message in _topic_errors(response):
        if code not in (0, TopicAlreadyExistsError.errno):
            raise BusError(f"cannot create topic {name}: error {code} {message or ''}".strip())


def _topic_errors(response: object) -> list[tuple[str, int, str | None]]:
    """(name, error code, message) per topic, whatever the CreateTopics response version."""
    errors = []
    for entry in getattr(response, "topic_errors", []):
        name, code = entry[0], entry[1]
        message = entry[2] if len(entry) > 2 and isinstance(entry[2], str) else None
        errors.append((name, code, message))
    return errors
