"""Fixtures of the policy unit tests: the shipped policy file, as text and loaded."""

from pathlib import Path

import pytest

from services.policy.domain import Policy, load_policy

POLICY_FILE = Path(__file__).resolve().parents[3] / "deploy" / "policy" / "guideline.toml"


@pytest.fixture(scope="session")
def policy_text() -> str:
    return POLICY_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def policy(policy_text: str) -> Policy:
    return load_policy(policy_text)
