"""The log identity `make up` gives a deployment (issue 14, finding 15): an origin of its own,
never the shared development one nor another deployment's; a records key named by that origin
(C2SP tlog-checkpoint), which production accepts; and a receipt key named the way
`caselog receipt-key` names one, so either key verifies the same receipts."""

import os
import subprocess
from pathlib import Path

import pytest

from services.records.adapters.signing_key import DEVELOPMENT_ORIGIN, load_signer, log_origin
from services.runtime.cli import main
from shared.merkle.keys import NoteSigner
from shared.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def make_up_secrets(run_root: Path) -> Path:
    """The secrets folder `make up` writes for a deployment whose state lives in `run_root`."""
    subprocess.run(
        ["bash", str(REPO_ROOT / "deploy" / "up.sh"), "secrets"],
        env={**os.environ, "CASELOG_RUN_ROOT": str(run_root)},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return run_root / "secrets"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two deployments made by `make up`, shared by the tests (each run takes seconds)."""
    return [make_up_secrets(tmp_path_factory.mktemp(name)) for name in ("tokyo", "osaka")]


def test_every_deployment_gets_an_origin_of_its_own_that_names_its_records_key(
    folders: list[Path],
) -> None:
    origins = [(folder / "records-origin").read_text().strip() for folder in folders]

    assert origins[0] != origins[1]
    assert DEVELOPMENT_ORIGIN not in origins
    for folder, origin in zip(folders, origins, strict=True):
        settings = load_settings(
            service_name="records",
            environment="production",
            records_origin=origin,
            records_signing_key_file=folder / "records-signing.key",
        )
        assert log_origin(settings) == load_signer(settings).name == origin


def test_make_up_names_the_receipt_key_as_caselog_receipt_key_does(
    folders: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    made_up = NoteSigner.parse((folders[0] / "privacy-signing.key").read_text().strip())

    main(["receipt-key"])
    printed = capsys.readouterr().out.splitlines()

    [issued] = [line.split("=", 1)[1] for line in printed if line.startswith("CASELOG_PRIVACY")]
    assert made_up.name == NoteSigner.parse(issued).name
