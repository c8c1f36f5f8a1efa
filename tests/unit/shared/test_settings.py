"""Settings are read from CASELOG_* (and two plain variables), once, and fail without values."""

import pytest

from shared.settings import SettingsError, environment_variables, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for names in environment_variables().values():
        for name in names:
            monkeypatch.delenv(name, raising=False)


def test_defaults_are_derived_from_the_service_name() -> None:
    settings = load_settings(service_name="intake")

    assert settings.database_url == "sqlite+aiosqlite:///data/intake.sqlite3"
    assert settings.kafka_client_id == "caselog-intake"
    assert settings.bus == "embedded"
    assert settings.environment == "development"


def test_prefixed_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASELOG_SERVICE_NAME", "records")
    monkeypatch.setenv("CASELOG_BUS", "kafka")
    monkeypatch.setenv("CASELOG_HTTP_PORT", "8123")
    monkeypatch.setenv("CASELOG_ENVIRONMENT", "production")

    settings = load_settings()

    assert (settings.service_name, settings.bus, settings.http_port) == ("records", "kafka", 8123)
    assert settings.environment == "production"


def test_plain_kafka_and_database_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:p@db/x")

    settings = load_settings(service_name="policy")

    assert settings.kafka_bootstrap_servers == "kafka:9092"
    assert settings.database_url == "postgresql+asyncpg://u:p@db/x"


def test_prefixed_variable_wins_over_plain_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "plain:9092")
    monkeypatch.setenv("CASELOG_KAFKA_BOOTSTRAP_SERVERS", "prefixed:9092")

    assert load_settings(service_name="policy").kafka_bootstrap_servers == "prefixed:9092"


def test_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:p@db/x")

    settings = load_settings(service_name="policy", database_url="sqlite+aiosqlite:///:memory:")

    assert settings.database_url == "sqlite+aiosqlite:///:memory:"


def test_invalid_settings_name_the_field_but_not_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASELOG_HTTP_PORT", "hunter2-secret")

    with pytest.raises(SettingsError) as raised:
        load_settings(service_name="intake")

    assert "http_port" in str(raised.value)
    assert "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is None


def test_unknown_override_is_refused() -> None:
    with pytest.raises(SettingsError, match="databse_url"):
        load_settings(service_name="intake", databse_url="x")


def test_database_url_is_kept_out_of_repr() -> None:
    settings = load_settings(
        service_name="intake",
        database_url="postgresql://u:pw-one@db/x",
        keystore_url="postgresql://u:pw-two@db/keys",
        zendesk_webhook_secret="pw-three",
    )

    assert "pw-" not in repr(settings)


def test_environment_variables_cover_every_field_and_alias() -> None:
    names = environment_variables()

    dumped = load_settings(service_name="x").model_dump()
    nested = {f"{block}.{name}" for block in ("crypto", "topics") for name in dumped.pop(block)}
    assert set(names) == set(dumped) | nested
    assert names["topics.intake"] == ("CASELOG_TOPICS__INTAKE",)
    assert names["crypto.kek_provider"] == ("CASELOG_CRYPTO__KEK_PROVIDER",)
    assert names["service_name"] == ("CASELOG_SERVICE_NAME",)
    assert names["kafka_bootstrap_servers"] == (
        "CASELOG_KAFKA_BOOTSTRAP_SERVERS",
        "KAFKA_BOOTSTRAP_SERVERS",
    )
    assert names["database_url"] == ("CASELOG_DATABASE_URL", "DATABASE_URL")


def test_nested_crypto_settings_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASELOG_CRYPTO__KEK_PROVIDER", "env")
    monkeypatch.setenv("CASELOG_CRYPTO__KEY_CACHE_TTL_S", "5")

    crypto = load_settings(service_name="x").crypto

    assert crypto.kek_provider == "env"
    assert crypto.key_cache_ttl_s == 5


def test_consumer_groups_and_recorded_topics_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASELOG_RECORDS_TOPICS", '["tenant-a.intake", "tenant-a.policy"]')
    monkeypatch.setenv("CASELOG_RECORDS_CONSUMER_GROUP", "tenant-a-records")
    monkeypatch.setenv("CASELOG_INTAKE_INGRESS_GROUP", "tenant-a-ingress")

    settings = load_settings(service_name="records")

    assert settings.records_topics == ("tenant-a.intake", "tenant-a.policy")
    assert settings.records_consumer_group == "tenant-a-records"
    assert settings.intake_ingress_group == "tenant-a-ingress"


def test_recorded_topics_default_to_every_topic_but_records_own() -> None:
    settings = load_settings(service_name="records")

    assert settings.records_topics == ("caselog.intake", "caselog.policy", "caselog.privacy")
    assert settings.records_consumer_group == "caselog-records"


@pytest.mark.parametrize("topics", [(), ("caselog intake",), ("",)])
def test_recorded_topics_must_be_kafka_topic_names(topics: tuple[str, ...]) -> None:
    with pytest.raises(SettingsError, match="records_topics"):
        load_settings(service_name="records", records_topics=topics)
