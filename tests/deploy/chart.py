"""The Helm chart (deploy/helm/caselog) rendered by a real Helm and read back as objects, and
the checks its manifests must pass, each returning what is wrong in words (empty: nothing).

Helm is v4 built from the Go module proxy as a Go tool (deploy/helm/go.mod, built once into
.cache/helm by deploy/helm/build.sh), found the way the witness tests find litewitness.
"""

import json
import os
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

from services.console.settings import ConsoleSettings
from shared.crypto.settings import CryptoSettings
from shared.settings import CaselogSettings, environment_variables
from tests.unavailable import missing_infrastructure

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "caselog"
BUILD = ROOT / "deploy" / "helm" / "build.sh"
EXAMPLES = CHART / "examples"
RELEASE = "caselog"
NAMESPACE = "caselog"
SERVICES = ("intake", "policy", "records", "privacy")
COMPONENTS = (*SERVICES, "console")
AUTOSCALED = ("intake", "policy")
PORT = 8000  # CASELOG_HTTP_PORT's default, which the chart sets
LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
BUILD_TIMEOUT_S = 1800  # a first build compiles Kubernetes' client libraries

Manifest = dict[str, Any]


def helm_binary() -> Path:
    """Helm v4, built on first use (Go is needed only then); a skip, or a failure with
    CASELOG_REQUIRE_INFRA=1, when it cannot be had."""
    built = subprocess.run(
        ["bash", str(BUILD)], capture_output=True, text=True, check=False, timeout=BUILD_TIMEOUT_S
    )
    if built.returncode != 0:
        missing_infrastructure(f"no Helm: {built.stderr.strip()[-500:]}")
    return Path(built.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Helm:
    binary: Path

    def run(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *arguments],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            # No repositories, plugins or cache of the person running the tests.
            env={
                **os.environ,
                "HELM_CACHE_HOME": str(ROOT / ".cache" / "helm" / "home" / "cache"),
                "HELM_CONFIG_HOME": str(ROOT / ".cache" / "helm" / "home" / "config"),
                "HELM_DATA_HOME": str(ROOT / ".cache" / "helm" / "home" / "data"),
            },
        )

    def template(self, *values: Path, sets: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
        arguments = ["template", RELEASE, str(CHART), "--namespace", NAMESPACE]
        for path in values:
            arguments += ["--values", str(path)]
        for assignment in sets:
            arguments += ["--set", assignment]
        return self.run(*arguments)

    def render(self, *values: Path, sets: Sequence[str] = ()) -> list[Manifest]:
        rendered = self.template(*values, sets=sets)
        assert rendered.returncode == 0, rendered.stderr
        return [document for document in yaml.safe_load_all(rendered.stdout) if document]


def name_of(component: str) -> str:
    """A component's objects: <release>-<component> (a release named caselog is not repeated)."""
    return f"{RELEASE}-{component}"


def find(manifests: Iterable[Manifest], kind: str, name: str) -> Manifest | None:
    return next((m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name), None)


def containers(manifests: Iterable[Manifest]) -> Iterator[tuple[str, Manifest]]:
    """(component, its container) of every Deployment."""
    for manifest in manifests:
        if manifest["kind"] == "Deployment":
            component = manifest["metadata"]["labels"]["app.kubernetes.io/component"]
            for container in manifest["spec"]["template"]["spec"]["containers"]:
                yield component, container


def missing_objects(manifests: Sequence[Manifest]) -> list[str]:
    """Each component needs its Deployment, Service, PodDisruptionBudget and NetworkPolicy;
    intake and policy an HPA scaling their Deployment."""
    problems = [
        f"{component}: no {kind}"
        for component in COMPONENTS
        for kind in ("Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy")
        if find(manifests, kind, name_of(component)) is None
    ]
    for component in AUTOSCALED:
        autoscaler = find(manifests, "HorizontalPodAutoscaler", name_of(component))
        if autoscaler is None:
            problems.append(f"{component}: no HorizontalPodAutoscaler")
        elif autoscaler["spec"]["scaleTargetRef"]["name"] != name_of(component):
            problems.append(f"{component}: its HorizontalPodAutoscaler scales something else")
    return problems


def probe_problems(manifests: Sequence[Manifest]) -> list[str]:
    """Liveness on /healthz, readiness on /readyz, both on the port the process listens on."""
    problems = []
    for component, container in containers(manifests):
        ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
        for probe, path in (("livenessProbe", LIVENESS_PATH), ("readinessProbe", READINESS_PATH)):
            get = container.get(probe, {}).get("httpGet")
            if get is None:
                problems.append(f"{component}: no {probe} over HTTP")
                continue
            if get.get("path") != path:
                problems.append(f"{component}: {probe} asks {get.get('path')}, not {path}")
            port = ports.get(get.get("port"), get.get("port"))
            if port != PORT:
                problems.append(f"{component}: {probe} asks port {port}, not {PORT}")
    return problems


def _secret_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    fields = []
    for name, field in model.model_fields.items():
        if field.annotation is SecretStr or field.repr is False:  # repr=False: URLs with passwords
            fields.append(prefix + name)
        elif isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            fields += _secret_fields(field.annotation, f"{name}.")
    return fields


def secret_variables() -> set[str]:
    """The variables whose values are secrets, from the settings themselves (SecretStr fields
    and those kept out of reprs), plus the variables the crypto settings read the KEK and
    the pepper from."""
    settings_classes: tuple[type[BaseSettings], ...] = (CaselogSettings, ConsoleSettings)
    names = {CryptoSettings().kek_env_var, CryptoSettings().pepper_env_var}
    for settings_class in settings_classes:
        variables = environment_variables(settings_class)
        names |= {name for field in _secret_fields(settings_class) for name in variables[field]}
    return names


def previous_kek_variables(env: Sequence[Manifest]) -> set[str]:
    """The retired KEKs' variables, as CASELOG_CRYPTO__PREVIOUS_KEK_ENV_VARS names them."""
    for variable in env:
        if variable["name"] == "CASELOG_CRYPTO__PREVIOUS_KEK_ENV_VARS":
            return set(json.loads(variable["value"]))
    return set()


def secret_problems(manifests: Sequence[Manifest]) -> list[str]:
    """No Secret object rendered (secrets are the operator's, referenced by name), and every
    secret-bearing variable read from a Secret, never written into the manifest."""
    problems = [
        f"a Secret is rendered: {m['metadata']['name']}" for m in manifests if m["kind"] == "Secret"
    ]
    secret = secret_variables()
    for component, container in containers(manifests):
        env = container.get("env", [])
        for variable in env:
            if variable["name"] not in secret | previous_kek_variables(env):
                continue
            if "value" in variable or "secretKeyRef" not in variable.get("valueFrom", {}):
                problems.append(f"{component}: {variable['name']} is not read from a Secret")
    return problems


def security_problems(manifests: Sequence[Manifest]) -> list[str]:
    """Non-root, read-only root file system, no privilege escalation, no capabilities, no
    service account token."""
    problems = []
    for manifest in manifests:
        if manifest["kind"] != "Deployment":
            continue
        name = manifest["metadata"]["name"]
        pod = manifest["spec"]["template"]["spec"]
        if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
            problems.append(f"{name}: may run as root")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: mounts a service account token")
        for container in pod["containers"]:
            context = container.get("securityContext", {})
            if context.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{name}: writable root file system")
            if context.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{name}: may escalate privileges")
            if context.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{name}: keeps capabilities")
            if "resources" not in container or "requests" not in container["resources"]:
                problems.append(f"{name}: no resource requests")
    return problems


def _selects(policy: Manifest, labels: Mapping[str, str]) -> bool:
    wanted = policy["spec"]["podSelector"].get("matchLabels", {})
    return all(labels.get(key) == value for key, value in wanted.items())


def _peer_components(rule: Manifest, key: str) -> set[str]:
    """Which of this release's components a rule's peers select (by component label)."""
    return {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for peer in rule.get(key, [])
        if "podSelector" in peer
        and "namespaceSelector" not in peer
        and peer["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/instance") == RELEASE
    }


def network_problems(
    manifests: Sequence[Manifest],
    dependency_ports: Mapping[str, set[int]],
    extra_egress_ports: Mapping[str, set[int]] | None = None,
) -> list[str]:
    """Every pod under a NetworkPolicy that denies what it does not allow, both ways; egress
    never to anywhere; a service's egress only to DNS and `dependency_ports` (Kafka,
    PostgreSQL, the identity provider) plus the extra egress its values add
    (`extra_egress_ports`, by component); only the console among this release's pods may
    call a service, and the console reaches exactly the four services."""
    extra_egress_ports = extra_egress_ports or {}
    problems = []
    policies = [m for m in manifests if m["kind"] == "NetworkPolicy"]
    for manifest in manifests:
        if manifest["kind"] != "Deployment":
            continue
        labels = manifest["spec"]["template"]["metadata"]["labels"]
        component = labels["app.kubernetes.io/component"]
        covering = [p for p in policies if _selects(p, labels)]
        if not covering:
            problems.append(f"{component}: no NetworkPolicy selects its pods")
            continue
        for policy in covering:
            if set(policy["spec"].get("policyTypes", [])) != {"Ingress", "Egress"}:
                problems.append(f"{component}: its NetworkPolicy does not restrict both ways")
            egress = policy["spec"].get("egress", [])
            for rule in egress:
                if not rule.get("to"):
                    problems.append(f"{component}: an egress rule allows any destination")
            ports = {port["port"] for rule in egress for port in rule.get("ports", [])}
            if component in SERVICES:
                allowed = {53, *extra_egress_ports.get(component, set())}.union(
                    *dependency_ports.values()
                )
                if extra := sorted(ports - allowed):
                    problems.append(f"{component}: egress to unexpected ports {extra}")
                if missing := [n for n, p in dependency_ports.items() if not p <= ports]:
                    problems.append(f"{component}: no egress to {', '.join(missing)}")
                callers = set().union(
                    *(_peer_components(rule, "from") for rule in policy["spec"].get("ingress", []))
                )
                if callers != {"console"}:
                    problems.append(f"{component}: callable by {sorted(callers)}, not the console")
            else:
                reached = set().union(*(_peer_components(rule, "to") for rule in egress))
                if reached != set(SERVICES):
                    problems.append(f"console: reaches {sorted(reached)}, not the four services")
    return problems


def environment_of(component: str, manifests: Sequence[Manifest]) -> list[Manifest]:
    deployment = find(manifests, "Deployment", name_of(component))
    assert deployment is not None, component
    env: list[Manifest] = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return env


def resolved_environment(
    env: Sequence[Manifest], secrets: Mapping[tuple[str, str], str]
) -> dict[str, str]:
    """The variables a pod would see, each secretKeyRef looked up in `secrets` by (Secret
    name, key); an optional reference to a key that is not there is left out, as Kubernetes
    does."""
    resolved = {}
    for variable in env:
        if "value" in variable:
            resolved[variable["name"]] = str(variable["value"])
            continue
        reference = variable["valueFrom"]["secretKeyRef"]
        key = (reference["name"], reference["key"])
        if key in secrets:
            resolved[variable["name"]] = secrets[key]
        elif not reference.get("optional"):
            raise KeyError(f"{variable['name']}: no key {key[1]} in Secret {key[0]}")
    return resolved
