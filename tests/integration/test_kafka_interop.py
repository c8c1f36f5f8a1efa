"""Our broker and KafkaBus interoperate with a Kafka client nobody here wrote (Debian's kcat)."""

import asyncio
import json
import shutil
import subprocess
import uuid

import pytest

from shared.bus.kafka import KafkaBus
from shared.bus.topics import TopicSpec
from tests.conformance.running import Collector, eventually, running
from tests.support.infra import infra_required


@pytest.fixture(scope="module")
def kcat() -> str:
    path = shutil.which("kcat")
    if path is None:
        message = "kcat is not installed (apt-get install kcat)"
        if infra_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def test_kcat_lists_the_broker(kcat: str, kafka_bootstrap: str) -> None:
    result = subprocess.run(
        [kcat, "-b", kafka_bootstrap, "-L", "-J"], capture_output=True, timeout=30, check=True
    )
    metadata = json.loads(result.stdout)
    assert len(metadata["brokers"]) == 1
    assert metadata["brokers"][0]["name"].startswith(kafka_bootstrap.split(",")[0])


async def test_a_message_produced_by_kcat_is_consumed_by_kafka_bus(
    kcat: str, kafka_bootstrap: str
) -> None:
    topic = f"interop.{uuid.uuid4().hex[:10]}"
    bus = KafkaBus(kafka_bootstrap, client_id="interop")
    await bus.start()
    try:
        await bus.ensure_topics([TopicSpec(topic, partitions=2)])
        produce = await asyncio.create_subprocess_exec(
            kcat,
            "-b",
            kafka_bootstrap,
            "-t",
            topic,
            "-P",
            "-k",
            "case-42",
            "-H",
            "origin=kcat",
            stdin=asyncio.subprocess.PIPE,
        )
        await produce.communicate("相談を受け付けました hello from kcat\n".encode())
        assert produce.returncode == 0

        collector = Collector()
        async with running(bus.subscribe(f"interop-{topic}", [topic], collector)):
            await eventually(lambda: len(collector.messages) == 1, "kcat's message")
    finally:
        await bus.close()
    message = collector.messages[0]
    assert message.value == "相談を受け付けました hello from kcat".encode()
    assert message.key == b"case-42"
    assert message.header("origin") == b"kcat"
