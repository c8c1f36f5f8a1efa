"""Topic declarations: what deploy/kafka/topics.toml says, as typed values."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from shared.bus.errors import BusError
from shared.bus.policy import DLQ_SUFFIX, dlq_topic


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One topic: partition count, retention (-1 keeps forever) and compaction."""

    name: str
    partitions: int = 1
    retention_ms: int = -1
    compacted: bool = False

    def kafka_config(self) -> dict[str, str]:
        """The per-topic broker configuration this spec asks for."""
        return {
            "retention.ms": str(self.retention_ms),
            "cleanup.policy": "compact" if self.compacted else "delete",
        }


def with_dead_letter_topics(specs: list[TopicSpec], dlq_retention_ms: int) -> list[TopicSpec]:
    """`specs` plus the dead-letter topic of each that lacks one.

    Dead-letter topics are never compacted: every poison message counts.
    """
    declared = {spec.name for spec in specs}
    dlqs = [
        TopicSpec(dlq_topic(spec.name), spec.partitions, dlq_retention_ms)
        for spec in specs
        if not spec.name.endswith(DLQ_SUFFIX) and dlq_topic(spec.name) not in declared
    ]
    return [*specs, *dlqs]


def load_topic_specs(path: Path) -> list[TopicSpec]:
    """Read a topics file; a malformed file fails with the path of the bad entry."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise BusError(f"cannot read topic declarations {path}: {error}") from error
    specs = []
    for index, entry in enumerate(document.get("topic", [])):
        try:
            specs.append(
                TopicSpec(
                    name=str(entry["name"]),
                    partitions=int(entry.get("partitions", 1)),
                    retention_ms=int(entry.get("retention_ms", -1)),
                    compacted=bool(entry.get("compacted", False)),
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BusError(f"{path}: topic[{index}] is invalid: {error!r}") from error
    return with_dead_letter_topics(specs, int(document.get("dlq_retention_ms", -1)))
