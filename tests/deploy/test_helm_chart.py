"""The Helm chart: `helm lint` and `helm template` by a real Helm v4, the rendered manifests
validated offline against the Kubernetes schemas (kubernetes-validate), and checked for what
an operator relies on: an object of each kind per component, probes on /healthz and /readyz,
secrets only by reference, NetworkPolicies that allow Kafka, PostgreSQL and the identity
provider and nothing else, non-root read-only pods, and environment variables the services
really read (their settings load from the rendered environment, production checks included).
Each check is also shown catching a broken manifest."""

import base64
import copy
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from services.console.settings import ConsoleSettings
from services.privacy.adapters.signing import KEY_NAME, load_receipt_signer
from services.records.adapters.log_identity import load_signer
from services.runtime.embedded import console_app
from shared.crypto.settings import CryptoSettings
from shared.crypto.startup import load_keyring, load_pepper
from shared.merkle.keys import NoteSigner
from shared.settings import environment_variables, load_settings
from tests.deploy.chart import (
    BUILD_TIMEOUT_S,
    COMPONENTS,
    EXAMPLES,
    SERVICES,
    Helm,
    Manifest,
    environment_of,
    find,
    helm_binary,
    missing_objects,
    name_of,
    network_problems,
    previous_kek_variables,
    probe_problems,
    resolved_environment,
    secret_problems,
    secret_variables,
    security_problems,
)

# The first test of a fresh checkout builds Helm (minutes); each Helm call has its own timeout.
pytestmark = pytest.mark.timeout(BUILD_TIMEOUT_S + 120)

REQUIRED = EXAMPLES / "required.yaml"  # the defaults plus what no default can serve
STRIMZI = EXAMPLES / "strimzi.yaml"  # an existing Strimzi Kafka, a managed database, an HSM
VALUES_FILES = {"required": REQUIRED, "strimzi": STRIMZI}
ORIGINS = {"required": "caselog.example.com/records", "strimzi": "caselog.example.co.jp/records"}
# The oldest Kubernetes the chart declares (Chart.yaml kubeVersion) and the newest schemas.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
DEPENDENCY_PORTS = {
    "required": {"Kafka": {9092}, "PostgreSQL": {5432}, "the identity provider": {4444}},
    "strimzi": {"Kafka": {9092}, "PostgreSQL": {5432}, "the identity provider": {8080, 8443}},
}
# strimzi.yaml's own extraEgress: intake's write-back to Zendesk, records' witness.
EXTRA_EGRESS_PORTS = {"required": {}, "strimzi": {"intake": {443}, "records": {443}}}
# Variables the chart sets that are no setting yet, each with why.
PENDING_VARIABLES = {
    "CASELOG_RECORDS_LEADER_LEASE": "records' leader lease (issue 21, item 2): wired now, read"
    " once records elects a leader; pydantic-settings ignores it until then",
}


@pytest.fixture(scope="module")
def helm() -> Helm:
    return Helm(helm_binary())


@pytest.fixture(scope="module")
def rendered(helm: Helm) -> dict[str, list[Manifest]]:
    return {name: helm.render(path) for name, path in VALUES_FILES.items()}


def the_secrets(values_name: str) -> dict[tuple[str, str], str]:
    """What the operator's Secrets would hold, in the forms the services read."""

    def key() -> str:
        return base64.b64encode(os.urandom(32)).decode()

    def database(name: str) -> str:
        return f"postgresql+asyncpg://caselog_{name}:{secrets.token_hex(8)}@db:5432/caselog_{name}"

    return {
        **{("caselog-postgresql", f"{n}-url"): database(n) for n in (*SERVICES, "keystore")},
        ("caselog-crypto", "kek"): key(),
        ("caselog-crypto", "pepper"): key(),
        ("caselog-crypto", "kek-2026-06"): key(),
        ("caselog-records", "signing-key"): NoteSigner.generate(ORIGINS[values_name]).key_string(),
        ("caselog-privacy", "signing-key"): NoteSigner.generate(KEY_NAME).key_string(),
        ("caselog-console", "session-secret"): secrets.token_urlsafe(32),
        ("caselog-console", "oidc-client-secret"): secrets.token_urlsafe(16),
        ("caselog-hsm", "pin"): "1234",
        ("caselog-platforms", "zendesk-webhook-secret"): secrets.token_urlsafe(16),
    }


def unknown_variables(component: str, env: list[Manifest]) -> list[str]:
    """CASELOG_* (and KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL) variables no setting reads."""
    settings_classes = [None, ConsoleSettings] if component == "console" else [None]
    known = {
        name
        for settings_class in settings_classes
        for names in (
            environment_variables(settings_class) if settings_class else environment_variables()
        ).values()
        for name in names
    }
    # The KEKs and the pepper are read from the variables the crypto settings name.
    known |= {CryptoSettings().kek_env_var, CryptoSettings().pepper_env_var}
    known |= set(PENDING_VARIABLES)
    known |= previous_kek_variables(env)
    values = {variable["name"]: variable.get("value", "") for variable in env}
    return [
        f"{component}: {name} is not a setting"
        for name in values
        if (name.startswith("CASELOG_") or name in {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"})
        and name not in known
    ]


def the(manifests: list[Manifest], kind: str, component: str) -> Manifest:
    """The component's object of `kind` (the test fails if there is none)."""
    found = find(manifests, kind, name_of(component))
    assert found is not None, f"no {kind} for {component}"
    return found


def use_environment(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]) -> None:
    """Exactly `environ` as the settings' environment (the test run's own CASELOG_* hidden)."""
    for name in list(os.environ):
        if name.startswith("CASELOG_") or name in {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"}:
            monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)


# --- Helm itself -------------------------------------------------------------------------


@pytest.mark.parametrize("values_name", VALUES_FILES)
def test_helm_lint_passes(helm: Helm, values_name: str) -> None:
    linted = helm.run(
        "lint", "--strict", str(EXAMPLES.parent), "--values", str(VALUES_FILES[values_name])
    )

    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "0 chart(s) failed" in linted.stdout


def test_it_is_helm_v4_from_the_module_proxy(helm: Helm) -> None:
    version = helm.run("version", "--short")

    assert version.stdout.strip() == "v4.3.2"


def test_the_defaults_alone_name_every_value_they_lack(helm: Helm) -> None:
    """No default can serve the identity provider, the log's origin or the keyring's volume:
    rendering without them fails, naming all of them at once."""
    rendered = helm.template()

    assert rendered.returncode != 0
    for value in (
        "identityProvider.issuer",
        "identityProvider.jwksUrl",
        "records.origin",
        "console.oidc.issuer",
        "keyring.file.existingClaim",
    ):
        assert f"- {value} (" in rendered.stderr, rendered.stderr


# --- The Kubernetes schemas, offline -------------------------------------------------------


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("values_name", VALUES_FILES)
def test_every_manifest_validates_against_the_kubernetes_schemas(
    rendered: dict[str, list[Manifest]], values_name: str, kubernetes: str
) -> None:
    failures = []
    for manifest in rendered[values_name]:
        try:
            kubernetes_validate.validate(manifest, kubernetes, strict=True)
        except kubernetes_validate.ValidationError as error:
            failures.append(f"{manifest['kind']} {manifest['metadata']['name']}: {error.message}")

    assert failures == []


def test_the_schema_validation_catches_a_misspelt_field(
    rendered: dict[str, list[Manifest]],
) -> None:
    deployment = copy.deepcopy(the(rendered["required"], "Deployment", "intake"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")

    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


# --- What the manifests hold ---------------------------------------------------------------


def test_replicas_records_two_with_its_lease_privacy_one_at_a_time(
    rendered: dict[str, list[Manifest]],
) -> None:
    manifests = rendered["required"]
    records, privacy, intake = (
        the(manifests, "Deployment", name) for name in ("records", "privacy", "intake")
    )
    lease = {v["name"]: v.get("value") for v in environment_of("records", manifests)}

    assert records["spec"]["replicas"] == 2
    assert lease["CASELOG_RECORDS_LEADER_LEASE"] == name_of("records")
    assert privacy["spec"]["replicas"] == 1
    assert privacy["spec"]["strategy"]["type"] == "Recreate"
    assert "replicas" not in intake["spec"]  # its HorizontalPodAutoscaler owns the count


# Each check of tests/deploy/chart.py, by what it asks of every rendered manifest.
CHECKS = {
    "every component has its objects": missing_objects,
    "probes ask /healthz and /readyz": probe_problems,
    "secrets are referenced, never embedded": secret_problems,
    "pods run non-root on a read-only root": security_problems,
}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("values_name", VALUES_FILES)
def test_the_manifests_pass(
    rendered: dict[str, list[Manifest]], values_name: str, check: str
) -> None:
    assert CHECKS[check](rendered[values_name]) == []


@pytest.mark.parametrize("values_name", VALUES_FILES)
def test_network_policies_allow_only_the_dependencies(
    rendered: dict[str, list[Manifest]], values_name: str
) -> None:
    problems = network_problems(
        rendered[values_name], DEPENDENCY_PORTS[values_name], EXTRA_EGRESS_PORTS[values_name]
    )

    assert problems == []


@pytest.mark.parametrize("values_name", VALUES_FILES)
@pytest.mark.parametrize("component", COMPONENTS)
def test_every_variable_is_one_the_component_reads(
    rendered: dict[str, list[Manifest]], values_name: str, component: str
) -> None:
    assert unknown_variables(component, environment_of(component, rendered[values_name])) == []


@pytest.mark.parametrize("values_name", VALUES_FILES)
@pytest.mark.parametrize("component", SERVICES)
def test_each_service_loads_its_settings_and_keys_from_the_rendered_environment(
    rendered: dict[str, list[Manifest]],
    values_name: str,
    component: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held = the_secrets(values_name)
    environ = resolved_environment(environment_of(component, rendered[values_name]), held)
    use_environment(monkeypatch, environ)

    settings = load_settings(service_name=component)

    assert (settings.environment, settings.bus) == ("production", "kafka")
    assert settings.database_url == held[("caselog-postgresql", f"{component}-url")]
    assert settings.keystore_url == held[("caselog-postgresql", "keystore-url")]
    assert settings.http_port == 8000
    # The production checks the services run at start-up: real KEKs and pepper, the log's
    # key named by its origin, a receipt key.
    load_keyring(settings.crypto, settings.environment, environ)
    load_pepper(settings.crypto, settings.environment, environ)
    if component == "records":
        assert load_signer(settings, create=False).name == ORIGINS[values_name]
    if component == "privacy":
        load_receipt_signer(settings)


@pytest.mark.parametrize("values_name", VALUES_FILES)
def test_the_console_starts_from_the_rendered_environment(
    rendered: dict[str, list[Manifest]], values_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production's console refuses to start without its session secret, its OpenID Connect
    client or all four service URLs: building the app checks them all."""
    environ = resolved_environment(
        environment_of("console", rendered[values_name]), the_secrets(values_name)
    )
    use_environment(monkeypatch, environ)

    app = console_app(load_settings(service_name="console"))

    assert app.state.oidc_sign_in is not None
    assert app.state.service_urls.records == f"http://{name_of('records')}:8000"


# --- Each check catches what it is for ------------------------------------------------------


def broken(manifests: list[Manifest]) -> list[Manifest]:
    return copy.deepcopy(manifests)


def container_of(manifests: list[Manifest], component: str) -> dict[str, Any]:
    container: dict[str, Any] = the(manifests, "Deployment", component)["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def test_a_missing_network_policy_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    manifests = [
        m
        for m in broken(rendered["required"])
        if (m["kind"], m["metadata"]["name"]) != ("NetworkPolicy", name_of("records"))
    ]

    assert missing_objects(manifests) == ["records: no NetworkPolicy"]
    assert network_problems(manifests, DEPENDENCY_PORTS["required"]) == [
        "records: no NetworkPolicy selects its pods"
    ]


def test_egress_to_anywhere_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    manifests = broken(rendered["required"])
    policy = the(manifests, "NetworkPolicy", "policy")
    policy["spec"]["egress"].append({"ports": [{"port": 443, "protocol": "TCP"}]})

    assert network_problems(manifests, DEPENDENCY_PORTS["required"]) == [
        "policy: an egress rule allows any destination",
        "policy: egress to unexpected ports [443]",
    ]


def test_a_service_callable_by_another_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    manifests = broken(rendered["required"])
    policy = the(manifests, "NetworkPolicy", "privacy")
    intake = the(manifests, "NetworkPolicy", "intake")
    policy["spec"]["ingress"].append({"from": [{"podSelector": intake["spec"]["podSelector"]}]})

    assert network_problems(manifests, DEPENDENCY_PORTS["required"]) == [
        "privacy: callable by ['console', 'intake'], not the console"
    ]


def test_a_wrong_probe_path_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    manifests = broken(rendered["required"])
    container_of(manifests, "policy")["readinessProbe"]["httpGet"]["path"] = "/healthz"

    assert probe_problems(manifests) == ["policy: readinessProbe asks /healthz, not /readyz"]


def test_an_embedded_secret_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    manifests = broken(rendered["required"])
    for variable in container_of(manifests, "intake")["env"]:
        if variable["name"] == "CASELOG_KEK":
            variable.pop("valueFrom")
            variable["value"] = base64.b64encode(os.urandom(32)).decode()
    manifests.append({"kind": "Secret", "metadata": {"name": "caselog-crypto"}})

    assert secret_problems(manifests) == [
        "a Secret is rendered: caselog-crypto",
        "intake: CASELOG_KEK is not read from a Secret",
    ]


def test_a_writable_root_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    manifests = broken(rendered["required"])
    container_of(manifests, "console")["securityContext"]["readOnlyRootFilesystem"] = False

    assert security_problems(manifests) == [f"{name_of('console')}: writable root file system"]


def test_a_misspelt_variable_is_caught(rendered: dict[str, list[Manifest]]) -> None:
    env = copy.deepcopy(environment_of("records", rendered["required"]))
    for variable in env:
        if variable["name"] == "CASELOG_RECORDS_ORIGIN":
            variable["name"] = "CASELOG_RECORDS_ORIGN"

    assert unknown_variables("records", env) == ["records: CASELOG_RECORDS_ORIGN is not a setting"]


# --- The values schema refuses what would be unsafe -----------------------------------------


@pytest.mark.parametrize(
    ("assignment", "refusal"),
    [
        # An inline secret would sit in the manifest, the release history and `helm get`.
        ("intake.env.CASELOG_KEK=c2VjcmV0", "CASELOG_KEK"),
        ("records.env.CASELOG_RECORDS_SIGNING_KEY=PRIVATE+KEY+x", "CASELOG_RECORDS_SIGNING_KEY"),
        ("console.env.CASELOG_CONSOLE_SESSION_SECRET=x", "CASELOG_CONSOLE_SESSION_SECRET"),
        # Two privacy instances would both sweep and erase (an in-process lock).
        ("privacy.replicas=2", "/privacy/replicas"),
        ("podSecurityContext.runAsNonRoot=false", "runAsNonRoot"),
        ("keyring.kind=vault", "/keyring/kind"),
        ("polcy.replicas=3", "'polcy' not allowed"),
    ],
)
def test_the_values_schema_refuses(helm: Helm, assignment: str, refusal: str) -> None:
    rendered = helm.template(REQUIRED, sets=[assignment])

    assert rendered.returncode != 0
    assert refusal in rendered.stderr, rendered.stderr


def test_the_schema_refuses_every_secret_variable_in_env() -> None:
    """The schema's list of refused names is written by hand: it must cover every secret the
    settings declare (a new SecretStr setting not added there fails here)."""
    schema = json.loads((EXAMPLES.parent / "values.schema.json").read_text())
    names = schema["properties"]["intake"]["properties"]["env"]["propertyNames"]
    allowed, refused = re.compile(names["pattern"]), re.compile(names["not"]["pattern"])

    assert (
        sorted(
            name for name in secret_variables() if allowed.search(name) and not refused.search(name)
        )
        == []
    )
    assert not refused.search("CASELOG_ZENDESK_API_URL")  # a plain setting stays allowed


def test_a_values_file_of_the_examples_is_what_the_tests_render() -> None:
    assert set(VALUES_FILES.values()) == set(Path(EXAMPLES).glob("*.yaml"))
