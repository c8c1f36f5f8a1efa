"""docker-compose.yml gives each service every setting it needs, and no setting it does not know."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.console.settings import ConsoleSettings
from services.runtime.embedded import SERVICES
from shared.crypto.settings import CryptoSettings
from shared.settings import ENV_PREFIX, environment_variables

ROOT = Path(__file__).resolve().parents[2]

# Settings a compose service may leave out, each with the reason its default is right there.
SAFE_DEFAULTS = {
    "service_name": "given on the command line (`command: [intake]`), checked below",
    "log_level": "INFO suits development and production alike",
    "kafka_client_id": "derived from the service name",
    "kafka_instance_id": "the container's host name, stable across its restarts",
    "embedded_bus_path": "only read when CASELOG_BUS=embedded; compose runs Kafka",
    "topics_file": "the image ships deploy/kafka/topics.toml at the default path, checked below",
    "policy_file": "the image ships deploy/policy/guideline.toml at the default path",
    "http_port": "every container has its own network namespace, so 8000 everywhere",
    "readiness_timeout_s": "2 s suits every deployment",
    "zendesk_webhook_secret": "set only where the platform is used; unset, it is refused (401)",
    "freshdesk_webhook_secret": "set only where the platform is used; unset, it is refused (401)",
    "freshdesk_basic_auth": "set only where the platform is used; unset, it is refused (401)",
    "intercom_client_secret": "set only where the platform is used; unset, it is refused (401)",
    "auth_jwks_file": "compose names the identity provider's JWKS by URL",
    "auth_audience": "tokens are issued for the audience 'caselog'",
    "auth_jwks_timeout_s": "3 s per JWKS fetch, off the request path, suits any provider",
    "auth_jwks_cooldown_s": "at most one JWKS fetch per 30 s, also while the provider fails",
    "auth_jwks_max_age_s": "keys refreshed every 5 minutes, as PyJWT's own client does",
    "auth_dev_keys_dir": "development keys are never used in production",
    "zendesk_api_url": "set only where Zendesk is used (to read ticket requesters)",
    "zendesk_api_email": "set only where Zendesk is used (to read ticket requesters)",
    "zendesk_api_token": "set only where Zendesk is used (to read ticket requesters)",
    "console_public_url": "intake only (the link in write-back notes); compose passes it to"
    " intake, the other services never read it",
    "writeback_default_language": "English notes unless the ticket says Japanese; a Japanese"
    " help desk sets ja",
    "writeback_max_age_h": "3 days: a first start does not note every old ticket",
    "intake_writeback_group": "caselog-intake-writeback: one deployment per broker",
    "freshdesk_api_url": "set only where Freshdesk is used (to write decisions back)",
    "freshdesk_api_key": "set only where Freshdesk is used (to write decisions back)",
    "intercom_api_url": "set only where Intercom is used (to write decisions back)",
    "intercom_access_token": "set only where Intercom is used (to write decisions back)",
    "intercom_admin_id": "set only where Intercom is used (to write decisions back)",
    "writeback_timeout_s": "5 s per platform call suits the platforms' APIs",
    "writeback_max_attempts": "4 attempts, then the DLQ, suits every deployment",
    "writeback_backoff_s": "0.5 s doubling between attempts when the platform names no wait",
    "writeback_max_retry_after_s": "no wait longer than a minute holds a decision back",
    "writeback_circuit_failures": "5 failed calls in a row open a platform's circuit",
    "writeback_circuit_cooldown_s": "30 s before a trial call to a failing platform",
    "demo_seed": "only `caselog run` (embedded) seeds; services never do",
    "records_witnesses": "records only, and optional: a deployment names the witnesses it has"
    " (none by default; docs/witness.md)",
    "public_log_entries": "records only; leaf-hashes (publish no event content) suits every"
    " deployment until its operator decides otherwise (docs/decisions/0024)",
    "privacy_records_log_key": "privacy only, and optional: unset, POST /v1/receipts/verify"
    " reports a receipt's log binding as not checked (docs/decisions/0027)",
    "records_published_keys": "records only, and optional: privacy's receipt key to list at"
    " /log/keys beside the log's (`caselog public-keys` writes it)",
    "records_signing_key": "records only; its production start refuses to run without this or"
    " records_signing_key_file, so compose's records service must pass one",
    "records_signing_key_file": "records only: the key may be given as a value instead",
    "records_dev_signing_key_file": "development keys are never used in production",
    "records_origin": "records only; its production start refuses to run without an origin of"
    " the deployment's own, so compose's records service must pass one",
    "records_checkpoint_every_events": "a checkpoint per 1,000 events suits every deployment",
    "records_checkpoint_every_seconds": "60 s bounds how long an event waits for a checkpoint",
    "records_consumer_members": "2 members per records process; scale by processes",
    "records_topics": "the topics of deploy/kafka/topics.toml that records appends",
    "records_consumer_group": "caselog-records: one deployment per broker",
    "records_webhook_retry_waits_s": "records only; about 24 h of retries suits every deployment",
    "records_webhook_timeout_s": "records only; 10 s per outbound webhook call",
    "records_webhook_poll_interval_s": "records only; due deliveries looked for every second",
    "records_webhook_allowed_hosts": "records only, and optional: none, so production refuses"
    " private and loopback webhook URLs",
    "records_webhook_consumer_group": "caselog-records-webhooks: one deployment per broker",
    "intake_ingress_group": "caselog-intake-ingress: one deployment per broker",
    "intake_erasure_group": "caselog-intake-erasures: one deployment per broker",
    "intake_decision_status_group": "caselog-intake-decision-status: one deployment per broker",
    "zendesk_relationship_field": "set only where Zendesk is used: unset, tickets are of the"
    " default relationship",
    "freshdesk_relationship_field": "the document of docs/webhooks.md names it `relationship`",
    "intercom_relationship_attribute": "set only where Intercom is used: unset, conversations"
    " are of the default relationship",
    "platform_relationship_values": "none: the field's values are caselog's own",
    "platform_relationship_default": "unknown, so policy restricts what no field vouches for",
    "zendesk_closure_reason_field": "set only where Zendesk is used: unset, `satisfied`",
    "intercom_closure_reason_attribute": "set only where Intercom is used: unset, `satisfied`",
    "platform_closure_reason_values": "none: the field's values are caselog's own",
    "intake_ingress_purge_interval_s": "10 s keeps consumed raw ingress short-lived everywhere",
    "intake_quarantine_retention_days": "30 days, the retention of the DLQs in topics.toml",
    "intake_client_time_future_skew_s": "5 minutes of clock drift suits every deployment",
    "intake_client_time_max_age_days": "a year of late deliveries suits every deployment",
    "intake_group_commit_window_ms": "2 ms of waiting for company suits every deployment",
    "intake_group_commit_max_size": "64 consultations per transaction suits every deployment",
    "intake_group_commit_concurrency": "1 group at a time (the key epoch row's shared lock)",
    "http_max_header_bytes": "16 KiB, as common proxies allow",
    "http_auth_failures_per_window": "20 failed authentications a minute per source",
    "http_auth_failure_window_s": "a one-minute window for the 401 throttle",
    "privacy_rules_file": "privacy only; unset, the built-in retention and name rules apply",
    "privacy_sweep_interval_s": "privacy only; a daily retention sweep suits every deployment",
    "privacy_signing_key": "privacy only; its production start refuses to run without this or"
    " privacy_signing_key_file, so compose's privacy service must pass one",
    "privacy_signing_key_file": "privacy only: the key may be given as a value instead",
    "privacy_dev_signing_key_file": "development keys are never used in production",
    "crypto.kek_file": "compose reads the KEK from an environment variable, not a file",
    "crypto.previous_kek_files": "no retired KEKs in a fresh deployment",
    "crypto.kek_env_var": "the default CASELOG_KEK is the variable compose sets",
    "crypto.previous_kek_env_vars": "no retired KEKs in a fresh deployment",
    "crypto.pepper_file": "compose reads the pepper from an environment variable",
    "crypto.pepper_env_var": "the default CASELOG_SUBJECT_PEPPER is the variable compose sets",
    "crypto.key_cache_size": "10,000 unwrapped keys suit one service process",
    "crypto.key_cache_ttl_s": "60 s bounds how long a shredded key stays usable elsewhere",
    "crypto.pkcs11_module": "compose keeps the epoch KEKs in files (keyring: file)",
    "crypto.pkcs11_token_label": "compose keeps the epoch KEKs in files (keyring: file)",
    "crypto.pkcs11_pin": "compose keeps the epoch KEKs in files (keyring: file)",
    "crypto.pkcs11_pin_file": "compose keeps the epoch KEKs in files (keyring: file)",
    "crypto.epoch_length_s": "a key epoch of 24 h: the default every deployment starts from",
    "topics.ingress": "the name topics.toml declares (tests/unit/test_topic_names.py)",
    "topics.intake": "the name topics.toml declares (tests/unit/test_topic_names.py)",
    "topics.policy": "the name topics.toml declares (tests/unit/test_topic_names.py)",
    "topics.privacy": "the name topics.toml declares (tests/unit/test_topic_names.py)",
    "topics.records": "the name topics.toml declares (tests/unit/test_topic_names.py)",
}
# Secrets are read from the variables the settings name, not as settings themselves.
SECRET_VARIABLES = {CryptoSettings().kek_env_var, CryptoSettings().pepper_env_var}


def service_environment(service: dict[str, Any]) -> dict[str, str]:
    """A compose `environment`, in either of its two forms (mapping or list of NAME=value)."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(str(item).partition("=")[::2] for item in environment)
    return {str(name): str(value) for name, value in environment.items()}


def compose_problems(compose: dict[str, Any]) -> list[str]:
    """What is missing or unknown in the environment of each caselog service."""
    accepted = environment_variables()
    known = {name for names in accepted.values() for name in names} | SECRET_VARIABLES
    problems = []
    for service_name in SERVICES:
        service = compose["services"].get(service_name)
        if service is None:
            problems.append(f"{service_name}: no such compose service")
            continue
        environment = service_environment(service)
        for field, names in accepted.items():
            if field not in SAFE_DEFAULTS and not any(name in environment for name in names):
                problems.append(f"{service_name}: {' or '.join(names)} is not set")
        for name in sorted(environment):
            if name.startswith(ENV_PREFIX) and name not in known:
                problems.append(f"{service_name}: {name} is not a setting")
        if service.get("command") != [service_name]:
            problems.append(f"{service_name}: command must be [{service_name}]")
    return problems


# The console reads few of the services' settings; these it needs set in production.
CONSOLE_REQUIRED = ("intake_url", "policy_url", "records_url", "privacy_url", "session_secret")


def console_problems(compose: dict[str, Any]) -> list[str]:
    """What is missing or unknown in the console's environment."""
    service = compose["services"].get("console")
    if service is None:
        return ["console: no such compose service"]
    console = environment_variables(ConsoleSettings)
    known = {
        name
        for variables in (environment_variables(), console)
        for names in variables.values()
        for name in names
    }
    environment = service_environment(service)
    problems = [
        f"console: {' or '.join(console[field])} is not set"
        for field in CONSOLE_REQUIRED
        if not any(name in environment for name in console[field])
    ]
    problems += [
        f"console: {name} is not a setting"
        for name in sorted(environment)
        if name.startswith(ENV_PREFIX) and name not in known
    ]
    if service.get("command") != ["console"]:
        problems.append("console: command must be [console]")
    return problems


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_every_service_gets_every_setting_it_needs(compose: dict[str, Any]) -> None:
    assert compose_problems(compose) == []


def test_safe_defaults_name_real_settings() -> None:
    assert set(SAFE_DEFAULTS) <= set(environment_variables())


def test_image_ships_the_default_topics_file() -> None:
    assert (
        "COPY deploy/kafka/topics.toml deploy/kafka/topics.toml"
        in (ROOT / "Dockerfile").read_text()
    )


def test_a_missing_setting_is_caught(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    del broken["services"]["records"]["environment"]["DATABASE_URL"]

    assert compose_problems(broken) == ["records: CASELOG_DATABASE_URL or DATABASE_URL is not set"]


def test_a_misspelt_setting_is_caught(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    environment = broken["services"]["policy"]["environment"]
    environment["CASELOG_ENVIRONMNET"] = environment.pop("CASELOG_ENVIRONMENT")

    assert compose_problems(broken) == [
        "policy: CASELOG_ENVIRONMENT is not set",
        "policy: CASELOG_ENVIRONMNET is not a setting",
    ]


def test_list_form_environments_are_read(compose: dict[str, Any]) -> None:
    listed = copy.deepcopy(compose)
    for name in SERVICES:
        environment = listed["services"][name]["environment"]
        listed["services"][name]["environment"] = [f"{k}={v}" for k, v in environment.items()]

    assert compose_problems(listed) == []


def test_a_service_running_the_wrong_program_is_caught(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["intake"]["command"] = ["policy"]

    assert compose_problems(broken) == ["intake: command must be [intake]"]


def test_the_console_gets_the_services_urls_and_a_session_secret(compose: dict[str, Any]) -> None:
    assert console_problems(compose) == []


def test_a_console_without_a_service_url_is_caught(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    del broken["services"]["console"]["environment"]["CASELOG_CONSOLE_RECORDS_URL"]
    broken["services"]["console"]["environment"]["CASELOG_CONSOLE_RECORD_URL"] = "x"

    assert console_problems(broken) == [
        "console: CASELOG_CONSOLE_RECORDS_URL is not set",
        "console: CASELOG_CONSOLE_RECORD_URL is not a setting",
    ]
