"""Service settings: one pydantic-settings class, built once at start-up and passed down."""

import socket
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.crypto.settings import CryptoSettings
from shared.errors import CaselogError
from shared.validation import summarize

ENV_PREFIX = "CASELOG_"
_SHIPPED = Path(__file__).resolve().parents[1] / "deploy"
SHIPPED_POLICY_FILE = _SHIPPED / "policy" / "guideline.toml"
# Found beside the code, not in the working directory: `caselog run` started anywhere else
# (a new user's temp dir) otherwise failed at start-up, after printing its URLs.
SHIPPED_TOPICS_FILE = _SHIPPED / "kafka" / "topics.toml"

Environment = Literal["development", "production"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
BusKind = Literal["kafka", "embedded", "memory"]
TopicName = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,249}$")]  # Kafka's rule
GroupName = Annotated[str, Field(min_length=1, max_length=249)]
# As shared/contracts/intake.py's Relationship and ClosureReason (settings import no contract).
PlatformRelationship = Literal["purchaser", "prospective", "other", "unknown"]
PlatformClosureReason = Literal["satisfied", "withdrawn", "persuasion_difficult"]


class TopicNames(BaseModel):
    """The names of caselog's topics: the one place every service reads them from
    (CASELOG_TOPICS__INTAKE=... renames one). deploy/kafka/topics.toml declares partitions and
    retention under these names; tests/unit/shared/test_topic_names.py checks they agree."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ingress: TopicName = "caselog.ingress"  # raw platform events, read by intake
    intake: TopicName = "caselog.intake"
    policy: TopicName = "caselog.policy"
    privacy: TopicName = "caselog.privacy"
    records: TopicName = "caselog.records"  # acknowledgements: log index and checkpoint

    def prefixed(self, prefix: str) -> "TopicNames":
        """Every name with `prefix` in front: a test run's own copies of the topics."""
        return TopicNames(**{field: prefix + name for field, name in self})


DEFAULT_TOPICS = TopicNames()
"""The names when nothing renames them (what topics.toml declares)."""


def _default_records_topics(data: dict[str, Any]) -> tuple[str, ...]:
    topics: TopicNames = data["topics"]
    return (topics.intake, topics.policy, topics.privacy)


def _default_database_url(data: dict[str, Any]) -> str:
    return f"sqlite+aiosqlite:///data/{data['service_name']}.sqlite3"


def _default_client_id(data: dict[str, Any]) -> str:
    return f"caselog-{data['service_name']}"


class CaselogSettings(BaseSettings):
    """Everything a service reads from its environment; nothing else reads the environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
    )

    # Declared first: the defaults below are derived from it.
    service_name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    environment: Environment = "development"
    log_level: LogLevel = "INFO"
    bus: BusKind = "embedded"
    # Declared early: records_topics below is derived from it.
    topics: TopicNames = Field(default_factory=TopicNames)
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(
            f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    kafka_client_id: str = Field(default_factory=_default_client_id)
    # Stable across restarts of one instance (a pod or host name): a restarted instance then
    # fences its dead predecessor's open transaction instead of waiting for it to time out.
    kafka_instance_id: str = Field(default_factory=socket.gethostname)
    embedded_bus_path: Path = Path("data/bus.sqlite3")
    database_url: str = Field(
        default_factory=_default_database_url,
        validation_alias=AliasChoices(f"{ENV_PREFIX}DATABASE_URL", "DATABASE_URL"),
        repr=False,  # may carry a password
    )
    # The key store (wrapped DEKs) and subject index: shared by the services that encrypt,
    # decrypt or shred; only the KEK can unwrap what it holds.
    keystore_url: str = Field(default="sqlite+aiosqlite:///data/keys.sqlite3", repr=False)
    crypto: CryptoSettings = Field(default_factory=CryptoSettings)
    # The consumer group intake reads the ingress topic in (own groups: as records' below).
    intake_ingress_group: GroupName = "caselog-intake-ingress"
    # Raw ingress holds plaintext: intake deletes what its group has committed this often,
    # and keeps dead letters only encrypted, their keys destroyed after this many days (the
    # retention of caselog.ingress.dlq in topics.toml) or on erasure of a subject they name.
    intake_ingress_purge_interval_s: float = Field(default=10.0, gt=0)
    intake_quarantine_retention_days: float = Field(default=30.0, gt=0)
    # The group intake reads caselog.privacy in, to forget erased cases' ticket mappings.
    intake_erasure_group: GroupName = "caselog-intake-erasures"
    # The group intake reads caselog.policy in, to answer platforms the latest decision.
    intake_decision_status_group: GroupName = "caselog-intake-decision-status"
    # Times clients send (received, occurred, requested, recorded, final answer) may lie this
    # far ahead of the server's clock and this far behind it (docs: README, intake errors).
    intake_client_time_future_skew_s: float = Field(default=300.0, ge=0, le=3600)
    intake_client_time_max_age_days: float = Field(default=365.0, gt=0, le=3650)
    # Consultations arriving within this window share one transaction on the key store and
    # the ledger (a group commit, shared/group_commit.py), at most this many per group; 0 ms
    # still groups what arrives while the previous group commits.
    intake_group_commit_window_ms: float = Field(default=2.0, ge=0, le=1000)
    intake_group_commit_max_size: int = Field(default=64, ge=1, le=1000)
    # Groups committing at once, each on its own connections (on PostgreSQL; SQLite has one
    # writer, so one there whatever this says). 1 by default: each new data key takes a share
    # lock on the open key epoch's row, and several transactions sharing it make PostgreSQL
    # build multixacts; B3 measured 4 at a half to a third of the rate of 1, 2 no better.
    intake_group_commit_concurrency: int = Field(default=1, ge=1, le=32)
    # Platform webhook credentials (intake); a platform left empty is refused with 401.
    zendesk_webhook_secret: SecretStr = SecretStr("")
    freshdesk_webhook_secret: SecretStr = SecretStr("")
    freshdesk_basic_auth: SecretStr = SecretStr("")  # "username:password"
    intercom_client_secret: SecretStr = SecretStr("")
    # Zendesk ticket events name only the requester's id; intake reads the user from the
    # Users API with an API token (https://<subdomain>.zendesk.com).
    zendesk_api_url: str | None = None
    zendesk_api_email: str = ""
    zendesk_api_token: SecretStr = SecretStr("")
    # Which platform field says whether the requester bought the product (docs/webhooks.md):
    # a Zendesk custom field id, a Freshdesk custom field name in the rule's document, an
    # Intercom conversation attribute. Its values are ours (purchaser, prospective, other)
    # or the platform's labels mapped by platform_relationship_values (JSON, label -> ours);
    # absent or empty, the relationship is platform_relationship_default.
    zendesk_relationship_field: str | None = None
    freshdesk_relationship_field: str = "relationship"
    intercom_relationship_attribute: str | None = None
    platform_relationship_values: dict[str, PlatformRelationship] = Field(default_factory=dict)
    platform_relationship_default: PlatformRelationship = "unknown"
    # The field a solved (Zendesk) or closed (Intercom) ticket's closure reason is read from,
    # its labels mapped by platform_closure_reason_values; absent, the reason is `satisfied`.
    zendesk_closure_reason_field: str | None = None
    intercom_closure_reason_attribute: str | None = None
    platform_closure_reason_values: dict[str, PlatformClosureReason] = Field(default_factory=dict)
    # Write-back of decisions to the originating ticket (docs/webhooks.md): Zendesk reuses the
    # API token above; a platform without its API URL gets no note. Tokens are never logged.
    intake_writeback_group: GroupName = "caselog-intake-writeback"
    console_public_url: str = "http://127.0.0.1:8000"  # where agents open the console
    # The note's language for a ticket whose consultation named none (a Japanese help desk).
    writeback_default_language: Literal["en", "ja"] = "en"
    # Older decisions (a first start, a reset group reads caselog.policy from the beginning)
    # are not written back: an agent needs today's decisions, not every old ticket touched.
    writeback_max_age_h: float = Field(default=72.0, gt=0)
    freshdesk_api_url: str | None = None  # https://<domain>.freshdesk.com
    freshdesk_api_key: SecretStr = SecretStr("")
    intercom_api_url: str | None = None  # https://api.intercom.io
    intercom_access_token: SecretStr = SecretStr("")
    intercom_admin_id: str = ""
    writeback_timeout_s: float = Field(default=5.0, gt=0, le=60)
    writeback_max_attempts: int = Field(default=4, ge=1, le=10)
    writeback_backoff_s: float = Field(default=0.5, ge=0, le=60)
    writeback_max_retry_after_s: float = Field(default=60.0, ge=0, le=600)
    writeback_circuit_failures: int = Field(default=5, ge=1, le=100)
    writeback_circuit_cooldown_s: float = Field(default=30.0, gt=0, le=3600)
    # Bearer tokens: verified against an identity provider's JWKS (URL or file). Left
    # unset in development, caselog's own dev keys in auth_dev_keys_dir are used.
    auth_jwks_url: str | None = None
    # A JWKS URL is fetched off the request path: each fetch gives up after `timeout_s`, none
    # starts within `cooldown_s` of the last (failed or not), and keys older than `max_age_s`
    # are refreshed (tokens keep verifying against them meanwhile).
    auth_jwks_timeout_s: float = Field(default=3.0, gt=0, le=60)
    auth_jwks_cooldown_s: float = Field(default=30.0, ge=0.1)
    auth_jwks_max_age_s: float = Field(default=300.0, gt=0)
    auth_jwks_file: Path | None = None
    auth_issuer: str = "caselog-development"
    auth_audience: str = "caselog"
    auth_dev_keys_dir: Path = Path("data/auth")
    # `caselog run` records a few demo consultations on first start (CASELOG_DEMO_SEED=false: none).
    demo_seed: bool = True
    topics_file: Path = SHIPPED_TOPICS_FILE
    # The guideline as data (policy); a file that does not validate stops start-up. The
    # default is the file shipped beside the code, found whatever the working directory.
    policy_file: Path = SHIPPED_POLICY_FILE
    # Records: the key that signs checkpoints (C2SP PRIVATE+KEY+... form, as a value or a
    # file; production refuses to start without one), the log's origin line (its identity,
    # which the key is named by: unset, development uses caselog.local/records and production
    # refuses to start), and when to sign.
    records_signing_key: SecretStr = SecretStr("")
    records_signing_key_file: Path | None = None
    records_dev_signing_key_file: Path = Path("data/records-signing.key")
    records_origin: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._~:/@-]{1,200}$")
    records_checkpoint_every_events: int = Field(default=1000, ge=1)
    records_checkpoint_every_seconds: float = Field(default=60.0, gt=0)
    # Witnesses that cosign each checkpoint (C2SP tlog-witness), each "<URL> <witness vkey>",
    # e.g. "https://witness.example/ example.org/witness+8a1b2c3d+BK..."; each must know this
    # log (origin and key) already. As JSON: CASELOG_RECORDS_WITNESSES='["https://... vkey"]'.
    records_witnesses: tuple[str, ...] = ()
    # The public tiled log (C2SP tlog-tiles, no token): what its entry bundles hold.
    # "leaf-hashes" serves none (the level 0 tiles are every entry's hash, enough to audit
    # the tree); "envelopes" serves each stored event's canonical envelope (personal fields
    # as ciphertext, ids, types and times in the clear), so a client recomputes every leaf
    # hash. Decision record 0024.
    public_log_entries: Literal["leaf-hashes", "envelopes"] = "leaf-hashes"
    # Verifier keys (note vkey form) records publishes at /log/keys beside its own: privacy's
    # erasure-receipt key in a distributed deployment (the embedded runtime adds it itself).
    records_published_keys: tuple[str, ...] = ()
    # Consumer-group members in one records process: appends of concurrent members share
    # a transaction, so more members make bigger batches (up to the topics' partitions).
    records_consumer_members: int = Field(default=2, ge=1, le=32)
    # What records appends, and the consumer group it reads them in (a second deployment or a
    # test run on the same broker takes a group of its own, or the two share partitions). Not
    # `caselog.records`: acknowledgements derive from the log, and records' own events are
    # appended before they are published. Not the dead-letter topics: what failed is not a
    # record. As JSON in the environment: CASELOG_RECORDS_TOPICS='["caselog.intake", ...]';
    # unset, the intake, policy and privacy names of `topics`.
    records_topics: tuple[TopicName, ...] = Field(
        default_factory=_default_records_topics, min_length=1
    )
    records_consumer_group: GroupName = "caselog-records"
    # Outbound Standard Webhooks (docs/webhooks.md): the waits after each failed attempt (about
    # 24 h in all; then the delivery has failed and its subscription is disabled), the timeout
    # of one call, how often due deliveries are looked for, and the hosts a subscription may
    # name in production although they resolve to a loopback or private address.
    records_webhook_retry_waits_s: tuple[float, ...] = Field(
        default=(10.0, 60.0, 300.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 30230.0), min_length=1
    )
    records_webhook_timeout_s: float = Field(default=10.0, gt=0)
    records_webhook_poll_interval_s: float = Field(default=1.0, gt=0)
    records_webhook_allowed_hosts: tuple[str, ...] = ()
    records_webhook_consumer_group: GroupName = "caselog-records-webhooks"
    # Privacy: retention periods, person names and request deadlines as a TOML file (unset:
    # the built-in defaults); how often the retention sweep runs; the key that signs erasure
    # receipts (PRIVATE+KEY+... note key, as a value or a file; production refuses without).
    privacy_rules_file: Path | None = None
    privacy_sweep_interval_s: float = Field(default=86400.0, gt=0)
    privacy_signing_key: SecretStr = SecretStr("")
    privacy_signing_key_file: Path | None = None
    privacy_dev_signing_key_file: Path = Path("data/privacy-signing.key")
    # The records log's verifier key (note vkey form), pinned for POST /v1/receipts/verify to
    # check a receipt's log binding with (decision 0027); unset, the route leaves a binding
    # unchecked (the embedded runtime pins records' own key itself).
    privacy_records_log_key: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    readiness_timeout_s: float = Field(default=2.0, gt=0)
    # Request headers above this many bytes answer 431 (the body limit is 256 KiB, 413).
    http_max_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    # A source (client address) answered 401 this many times in one window is answered 429
    # (with Retry-After) until the window ends: bad tokens and webhook signatures are guesses.
    http_auth_failures_per_window: int = Field(default=20, ge=1)
    http_auth_failure_window_s: float = Field(default=60.0, gt=0)


class SettingsError(CaselogError):
    """The environment does not make valid settings; names the fields, never their values."""


def load_settings(**overrides: Any) -> CaselogSettings:
    """Read the environment once; `overrides` (field names) win over it, for code and tests."""
    try:
        return CaselogSettings(**overrides)
    except ValidationError as error:
        # `from None`: pydantic's own text would print the values, passwords included.
        raise SettingsError(f"invalid settings: {summarize(error)}") from None


def environment_variables(
    settings_class: type[BaseSettings] = CaselogSettings,
) -> dict[str, tuple[str, ...]]:
    """Per field, the environment variable names that set it (any one of them suffices).

    Derived from the model, so a field added to the settings shows up here without
    anyone keeping a second list (deployment checks rely on that).
    """
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    nested = str(settings_class.model_config.get("env_nested_delimiter") or "")
    names: dict[str, tuple[str, ...]] = {}
    for field_name, field in settings_class.model_fields.items():
        alias = field.validation_alias
        annotation = field.annotation
        if nested and isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # Nested settings are set field by field: CASELOG_CRYPTO__KEK_PROVIDER.
            for sub_name in annotation.model_fields:
                key = f"{field_name}.{sub_name}"
                names[key] = (f"{prefix}{field_name}{nested}{sub_name}".upper(),)
        elif isinstance(alias, AliasChoices):
            names[field_name] = tuple(str(choice).upper() for choice in alias.choices)
        elif isinstance(alias, str):
            names[field_name] = (alias.upper(),)
        else:
            names[field_name] = (f"{prefix}{field_name}".upper(),)
    return names
