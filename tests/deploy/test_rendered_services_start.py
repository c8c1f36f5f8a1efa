"""The environment the chart renders starts every component for real: each of the four services
(production mode, on the real Kafka broker and a PostgreSQL database of its own) and the
console, given exactly the variables its Deployment sets, with only what a pod gets from the
cluster put in by hand (the Secrets' values, the addresses of Kafka, the databases and the
other services, the keyring volume's path, the pod's name). All five must answer /readyz."""

import base64
import contextlib
import secrets
import subprocess
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from services.privacy.adapters.signing import KEY_NAME
from shared.merkle.keys import NoteSigner
from tests.deploy.chart import (
    EXAMPLES,
    SERVICES,
    Helm,
    Manifest,
    environment_of,
    helm_binary,
    resolved_environment,
)
from tests.e2e.broker import free_port

# The e2e runtime's own process handling: the machine's environment without caselog's
# settings (the image's own), start `python -m services <name>` logging into the folder, wait
# for /readyz (its log in the failure), stop with SIGTERM.
from tests.e2e.distributed import _inherited_environment, _start, _stop_all, _until_ready
from tests.integration.databases import fresh_database

pytestmark = pytest.mark.infra

REQUIRED = EXAMPLES / "required.yaml"
ORIGIN = "caselog.example.com/records"  # records.origin in required.yaml
CONSOLE = "console"


def pod_environment(
    rendered: list[Manifest],
    component: str,
    held: Mapping[tuple[str, str], str],
    cluster: Mapping[str, str],
) -> dict[str, str]:
    """What the component's pod would see, with `cluster`'s values where this machine is not
    the cluster; every name in `cluster` must be one the chart sets (nothing added)."""
    environment = resolved_environment(environment_of(component, rendered), held)
    added = set(cluster) - set(environment) - {"CASELOG_KAFKA_INSTANCE_ID"}
    assert not added, f"{component}: the chart does not set {sorted(added)}"
    return {**_inherited_environment(), **environment, **cluster}


async def test_every_component_starts_ready_from_the_rendered_environment(
    kafka_bootstrap: str, postgres_url: str, tmp_path: Path
) -> None:
    rendered = Helm(helm_binary()).render(REQUIRED)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    async with contextlib.AsyncExitStack() as stack:
        databases = {
            name: await stack.enter_async_context(fresh_database(postgres_url))
            for name in (*SERVICES, "keystore")
        }
        stack.callback(_stop_all, processes)  # before the databases are dropped
        held = {
            **{("caselog-postgresql", f"{name}-url"): url for name, url in databases.items()},
            ("caselog-crypto", "kek"): base64.b64encode(secrets.token_bytes(32)).decode(),
            ("caselog-crypto", "pepper"): base64.b64encode(secrets.token_bytes(32)).decode(),
            ("caselog-records", "signing-key"): NoteSigner.generate(ORIGIN).key_string(),
            ("caselog-privacy", "signing-key"): NoteSigner.generate(KEY_NAME).key_string(),
            ("caselog-console", "session-secret"): secrets.token_urlsafe(32),
            ("caselog-console", "oidc-client-secret"): secrets.token_urlsafe(16),
        }
        ports = {name: free_port() for name in (*SERVICES, CONSOLE)}
        keyring = tmp_path / "keyring"  # the keyring volume every service pod mounts
        keyring.mkdir(mode=0o700)
        for name in (*SERVICES, CONSOLE):
            cluster = {
                "CASELOG_HTTP_HOST": "127.0.0.1",
                "CASELOG_HTTP_PORT": str(ports[name]),
                # A pod's host name is its own; equal transactional ids would fence each other.
                "CASELOG_KAFKA_INSTANCE_ID": f"helm-{name}-{secrets.token_hex(6)}",
            }
            if name == CONSOLE:
                cluster |= {
                    f"CASELOG_CONSOLE_{service.upper()}_URL": f"http://127.0.0.1:{ports[service]}"
                    for service in SERVICES
                }
                cluster["XDG_CACHE_HOME"] = str(tmp_path / "cache")
            else:
                cluster |= {
                    "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                    "CASELOG_CRYPTO__KEYRING_DIR": str(keyring),
                }
            environment = pod_environment(rendered, name, held, cluster)
            processes[name] = _start(name, environment, tmp_path)

        for name, port in ports.items():
            await _until_ready(name, f"http://127.0.0.1:{port}", processes[name], tmp_path)

        # The log's key from the Secret, named by records.origin, is the one records publishes
        # (its public, tokenless route); the console answers its sign-in page.
        async with httpx.AsyncClient(timeout=10.0) as http:
            keys = await http.get(f"http://127.0.0.1:{ports['records']}/log/keys")
            page = await http.get(f"http://127.0.0.1:{ports[CONSOLE]}/")
        log_key = NoteSigner.parse(held[("caselog-records", "signing-key")]).verifier.key_string()

        assert keys.status_code == 200
        assert log_key in keys.text
        assert page.status_code < 500
