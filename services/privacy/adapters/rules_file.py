"""Reads privacy's rules file (TOML); without one, the built-in defaults apply."""

import tomllib
from pathlib import Path

from services.privacy.domain.errors import RulesError
from services.privacy.domain.rules import PrivacyRules, privacy_rules


def load_rules(path: Path | None) -> PrivacyRules:
    if path is None:
        return PrivacyRules()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RulesError(f"cannot read privacy rules {path}: {error}") from None
    try:
        return privacy_rules(document)
    except RulesError as error:
        raise RulesError(f"{path}: {error}") from None
