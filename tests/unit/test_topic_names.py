"""Topic names have one home (settings.topics); the broker-side declarations agree with it."""

import pytest

from services.policy.bootstrap import PolicyTopics
from services.privacy.bootstrap import Topics as PrivacyTopics
from shared.bus.policy import DLQ_SUFFIX
from shared.bus.topics import load_topic_specs
from shared.settings import DEFAULT_TOPICS, load_settings


def test_topics_toml_declares_exactly_the_topics_settings_name() -> None:
    settings = load_settings(service_name="records")
    declared = {
        spec.name
        for spec in load_topic_specs(settings.topics_file)
        if not spec.name.endswith(DLQ_SUFFIX)
    }
    assert declared == {name for _, name in DEFAULT_TOPICS}


def test_renaming_a_topic_in_settings_reaches_the_services_that_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASELOG_TOPICS__INTAKE", "tenant-a.intake")
    settings = load_settings(service_name="policy")

    assert settings.topics.intake == "tenant-a.intake"
    assert settings.topics.policy == DEFAULT_TOPICS.policy
    assert settings.records_topics == ("tenant-a.intake", "caselog.policy", "caselog.privacy")
    assert PolicyTopics.named(settings.topics).intake == "tenant-a.intake"
    assert PrivacyTopics.named(settings.topics).intake == "tenant-a.intake"


def test_prefixed_names_keep_every_topic_apart() -> None:
    prefixed = DEFAULT_TOPICS.prefixed("run1.")
    assert prefixed.records == "run1.caselog.records"
    assert len({name for _, name in prefixed}) == 5
