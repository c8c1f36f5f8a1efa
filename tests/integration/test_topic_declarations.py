"""The declared topics (deploy/kafka/topics.toml) are created on the real broker as declared."""

from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from shared.bus.kafka import KafkaBus
from shared.bus.topics import load_topic_specs

TOPICS_FILE = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "topics.toml"


async def test_declared_topics_exist_with_their_partitions_and_policies(
    kafka_bootstrap: str,
) -> None:
    specs = load_topic_specs(TOPICS_FILE)
    bus = KafkaBus(kafka_bootstrap, client_id="topics-test")
    await bus.start()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await bus.ensure_topics(specs)
        await bus.ensure_topics(specs)  # a second start-up must find nothing to do
        described = {t["topic"]: t for t in await admin.describe_topics([s.name for s in specs])}
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, s.name) for s in specs]
        )
    finally:
        await admin.close()
        await bus.close()

    policies = {}
    for response in configs:
        for resource in response.resources:
            entries = {entry[0]: entry[1] for entry in resource[4]}
            policies[resource[3]] = entries["cleanup.policy"]
    for spec in specs:
        assert len(described[spec.name]["partitions"]) == spec.partitions, spec.name
        assert policies[spec.name] == ("compact" if spec.compacted else "delete"), spec.name
    assert "caselog.intake.dlq" in described
    assert policies["caselog.records"] == "compact"
