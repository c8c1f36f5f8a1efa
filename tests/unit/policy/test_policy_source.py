"""The policy file at start-up: a bad or missing file stops the service, naming the file and
every problem by its path; the image ships the default file."""

from pathlib import Path

import pytest

from services.policy.adapters.policy_versions import read_policy_file
from services.policy.entrypoints.http import create_app
from services.policy.service_layer.errors import PolicySourceError
from shared.settings import SHIPPED_POLICY_FILE, load_settings

ROOT = Path(__file__).resolve().parents[3]


def broken_copy(tmp_path: Path) -> Path:
    text = SHIPPED_POLICY_FILE.read_text(encoding="utf-8")
    text = text.replace("refuse_at = 2", "refuse_at = 0").replace(
        "require_name = true", "requir_name = true"
    )
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_is_the_default_and_loads() -> None:
    loaded = read_policy_file(load_settings(service_name="policy").policy_file)

    assert loaded.version == loaded.policy.version
    assert loaded.text == SHIPPED_POLICY_FILE.read_text(encoding="utf-8")


def test_a_bad_file_stops_start_up_naming_the_file_and_each_problem(tmp_path: Path) -> None:
    path = broken_copy(tmp_path)
    settings = load_settings(service_name="policy", policy_file=path)

    with pytest.raises(PolicySourceError) as raised:
        create_app(settings)

    message = str(raised.value)
    assert str(path) in message
    assert "rules.repeat.refuse_at: Input should be greater than or equal to 1" in message
    assert "rules.scope-identity.requir_name: Extra inputs are not permitted" in message


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(PolicySourceError, match=f"cannot read policy file {tmp_path}/nope.toml"):
        read_policy_file(tmp_path / "nope.toml")


def test_the_image_ships_the_policy_file() -> None:
    assert "COPY deploy/policy deploy/policy" in (ROOT / "Dockerfile").read_text()
    assert SHIPPED_POLICY_FILE == ROOT / "deploy" / "policy" / "guideline.toml"
