"""The log's identity from settings: its origin line and the checkpoint signing key (the C2SP
`PRIVATE+KEY+...` form, as a value or a file), named by that origin. Development has a default
origin and generates a key once; production refuses to start without its own of both."""

import os
from pathlib import Path

from services.records.domain.errors import LogOriginError, SigningKeyError
from shared.merkle.errors import KeyFormatError
from shared.merkle.keys import NoteSigner
from shared.settings import CaselogSettings

DEVELOPMENT_ORIGIN = "caselog.local/records"
"""Every development log's origin: shared by all of them, so production may not use it."""


def log_origin(settings: CaselogSettings) -> str:
    """The log's origin line: CASELOG_RECORDS_ORIGIN; unset, DEVELOPMENT_ORIGIN in development.

    Production needs an origin of its own: two logs under one origin (and the same key name)
    could not be told apart by a verifier or a witness, and a checkpoint of one would pass
    for the other's. LogOriginError otherwise.
    """
    origin = settings.records_origin
    if settings.environment == "development":
        return origin or DEVELOPMENT_ORIGIN
    if origin is None or origin == DEVELOPMENT_ORIGIN:
        raise LogOriginError(
            "production needs CASELOG_RECORDS_ORIGIN: a name for this deployment's log that no"
            " other log uses, such as records.example.co.jp/caselog (`caselog log-key --origin"
            " <origin>` makes the signing key named by it)"
        )
    return origin


def load_signer(settings: CaselogSettings, *, create: bool = True) -> NoteSigner:
    """The configured signer, named by the log's origin; in development, the one in
    `records_dev_signing_key_file` (generated there on first use unless `create` is False)."""
    origin = log_origin(settings)
    secret = settings.records_signing_key.get_secret_value().strip()
    if secret:
        signer = _parse(secret, "CASELOG_RECORDS_SIGNING_KEY")
    elif settings.records_signing_key_file is not None:
        signer = _parse(_read(settings.records_signing_key_file), "the signing key file")
    elif settings.environment != "development":
        raise SigningKeyError(
            "production needs CASELOG_RECORDS_SIGNING_KEY or CASELOG_RECORDS_SIGNING_KEY_FILE "
            "(a C2SP signer key, PRIVATE+KEY+<name>+<id>+<key>; `caselog log-key` makes one)"
        )
    else:
        path = settings.records_dev_signing_key_file
        if create:
            _create_once(path, NoteSigner.generate(origin))
        signer = _parse(_read(path), "the development signing key file")
    if signer.name != origin:
        # C2SP tlog-checkpoint: the log's key is named by its origin. Both are public names.
        raise SigningKeyError(
            f"the signing key is named {signer.name!r} but the log's origin is {origin!r}: make"
            f" a key named by the origin (`caselog log-key --origin {origin}`)"
        )
    return signer


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
        return path.read_text(encoding="ascii").strip()
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
