"""Intake as B3 runs it: as `make up` does (deploy/up.sh), production mode with the KEK and
pepper in files and the development issuer's JWKS standing in for an identity provider."""

import base64
import os
from pathlib import Path

from bench.harness import Context
from tests.support.infra import REPO_ROOT


async def intake_environment(
    context: Context, folder: Path, ledger: str, keys: str
) -> dict[str, str]:
    """The intake process's environment; its KEK and pepper files are written to `folder`."""
    for name in ("kek", "pepper"):
        (folder / f"{name}.b64").write_text(base64.b64encode(os.urandom(32)).decode())
        (folder / f"{name}.b64").chmod(0o600)  # intake refuses a secret others can read
    env = {
        **os.environ,
        "CASELOG_ENVIRONMENT": "production",
        "CASELOG_BUS": context.intake_bus,
        "CASELOG_EMBEDDED_BUS_PATH": str(folder / "bus.sqlite3"),
        "DATABASE_URL": ledger,
        "CASELOG_KEYSTORE_URL": keys,
        "CASELOG_TOPICS_FILE": str(REPO_ROOT / "deploy" / "kafka" / "topics.toml"),
        "CASELOG_CRYPTO__KEK_PROVIDER": "file",
        "CASELOG_CRYPTO__KEK_FILE": str(folder / "kek.b64"),
        "CASELOG_CRYPTO__PEPPER_SOURCE": "file",
        "CASELOG_CRYPTO__PEPPER_FILE": str(folder / "pepper.b64"),
        "CASELOG_CRYPTO__KEYRING_DIR": str(folder / "keyring"),
        "CASELOG_AUTH_JWKS_FILE": str(folder / "auth" / "dev-jwks.json"),
    }
    if context.intake_bus == "kafka":
        env["KAFKA_BOOTSTRAP_SERVERS"] = await context.infrastructure.kafka()
    return env
