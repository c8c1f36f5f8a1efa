"""A consultation from intake to erasure, the same scenario in both runtimes."""

from pathlib import Path

import pytest

from services.runtime.embedded import SERVICES, embedded_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.e2e.distributed import TOPICS_FILE, distributed_services
from tests.e2e.scenario import ServiceUrls, TokenFactory, consultation_through_erasure
from tests.integration.serving import serving

AUDIENCE = "caselog"


def _tokens(folder: Path) -> TokenFactory:
    issuer = development_issuer(folder)

    def token(role: Role) -> str:
        return issuer.token(f"e2e-{role.value}", [role], AUDIENCE)

    return token


@pytest.mark.infra
async def test_distributed_runtime(kafka_bootstrap: str, postgres_url: str, tmp_path: Path) -> None:
    token = _tokens(tmp_path / "auth")
    jwks = tmp_path / "auth" / "dev-jwks.json"
    async with distributed_services(kafka_bootstrap, postgres_url, tmp_path, jwks) as urls:
        await consultation_through_erasure(urls, token, tmp_path)


async def test_embedded_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the services' SQLite files and keys go in data/ here
    settings = load_settings(
        service_name="caselog",
        demo_seed=False,
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=TOPICS_FILE,
    )
    token = _tokens(settings.auth_dev_keys_dir)
    async with serving(embedded_app(settings)) as url:
        urls = ServiceUrls(**{name: f"{url}/{name}" for name in SERVICES})
        await consultation_through_erasure(urls, token, tmp_path)
