"""Topic declarations load as declared, gain their DLQs once, and bad files say where."""

from pathlib import Path

import pytest

from shared.bus.errors import BusError
from shared.bus.topics import TopicSpec, load_topic_specs, with_dead_letter_topics

TOPICS_FILE = Path(__file__).resolve().parents[4] / "deploy" / "kafka" / "topics.toml"


def test_the_project_topics_file_declares_every_topic_with_a_dlq() -> None:
    specs = {spec.name: spec for spec in load_topic_specs(TOPICS_FILE)}
    for name in ("ingress", "intake", "policy", "privacy", "records"):
        assert f"caselog.{name}" in specs
        assert specs[f"caselog.{name}.dlq"].compacted is False
    assert specs["caselog.records"].compacted is True


def test_dead_letter_topics_are_added_once() -> None:
    specs = with_dead_letter_topics([TopicSpec("a", 3)], dlq_retention_ms=5)
    again = with_dead_letter_topics(specs, dlq_retention_ms=7)
    assert [s.name for s in again] == ["a", "a.dlq"]
    assert again[1] == TopicSpec("a.dlq", 3, 5)


def test_a_malformed_entry_is_reported_with_its_index(tmp_path: Path) -> None:
    bad = tmp_path / "topics.toml"
    bad.write_text('[[topic]]\nname = "ok"\n[[topic]]\npartitions = 2\n')
    with pytest.raises(BusError, match=r"topic\[1\]"):
        load_topic_specs(bad)
