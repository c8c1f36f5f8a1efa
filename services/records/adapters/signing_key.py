"""The checkpoint signing key, from settings: the C2SP `PRIVATE+KEY+...` form, given as a value
or a file. Development generates one once; production refuses to start without one."""

import os
from pathlib import Path

from services.records.domain.errors import SigningKeyError
from shared.merkle.errors import KeyFormatError
from shared.merkle.keys import NoteSigner
from shared.secret_files import read_private_text
from shared.settings import CaselogSettings


def load_signer(settings: CaselogSettings, *, create: bool = True) -> NoteSigner:
    """The configured signer; in development, the one in `records_dev_signing_key_file`
    (generated there on first use unless `create` is False)."""
    secret = settings.records_signing_key.get_secret_value().strip()
    if secret:
        return _parse(secret, "CASELOG_RECORDS_SIGNING_KEY")
    if settings.records_signing_key_file is not None:
        return _parse(_read(settings.records_signing_key_file), "the signing key file")
    if settings.environment != "development":
        raise SigningKeyError(
            "production needs CASELOG_RECORDS_SIGNING_KEY or CASELOG_RECORDS_SIGNING_KEY_FILE "
            "(a C2SP signer key, PRIVATE+KEY+<name>+<id>+<key>)"
        )
    path = settings.records_dev_signing_key_file
    if create:
        _create_once(path, NoteSigner.generate(settings.records_origin))
    return _parse(_read(path), "the development signing key file")


def _create_once(path: Path, signer: NoteSigner) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two processes starting at once, one writes and both read the same key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(signer.key_string() + "\n")


def _read(path: Path) -> str:
    try:
        return read_private_text(path).strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SigningKeyError(
            f"cannot read signing key file {path}: {type(error).__name__}"
        ) from None


def _parse(text: str, source: str) -> NoteSigner:
    try:
        return NoteSigner.parse(text)
    except KeyFormatError as error:
        # The parser's messages name the key's name at most, never its secret part.
        raise SigningKeyError(f"{source} is not a C2SP signer key: {error}") from None
