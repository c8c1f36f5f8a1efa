"""The log's identity from settings: its origin line, the checkpoint signing key named by it (the
C2SP `PRIVATE+KEY+...` form, as a value or a file), and the witnesses asked to cosign (a C2SP
tlog-witness client). Development has a default origin and generates a key once; production
refuses to start without its own of both."""

import os
from collections.abc import Sequence
from pathlib import Path

import httpx

from services.records.domain.checkpoints import (
    CosignatureGiven,
    Refused,
    SizeConflict,
    WitnessAnswer,
    WitnessIdentity,
)
from services.records.domain.errors import LogOriginError, SigningKeyError
from shared.merkle import encoding
from shared.merkle.cosignature import CosignatureVerifier
from shared.merkle.errors import KeyFormatError, MerkleError
from shared.merkle.keys import NoteSigner
from shared.secret_files import read_private_text
from shared.settings import CaselogSettings, SettingsError

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


ADD_CHECKPOINT = "add-checkpoint"
TIMEOUT_S = 5.0
MAX_REASON = 200


class HttpWitness:
    """One configured witness, asked over HTTP(S) (a connection per checkpoint: they are rare)."""

    def __init__(self, identity: WitnessIdentity) -> None:
        self.identity = identity

    async def add_checkpoint(
        self, old_size: int, proof: Sequence[bytes], note: str
    ) -> WitnessAnswer:
        body = "".join(
            [f"old {old_size}\n", *(encoding.encode(h) + "\n" for h in proof), "\n", note]
        )
        url = self.identity.url.rstrip("/") + "/" + ADD_CHECKPOINT
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
                response = await client.post(url, content=body.encode())
        except httpx.HTTPError as error:
            return Refused(0, f"no answer: {type(error).__name__}")
        if response.status_code == httpx.codes.OK:
            lines = response.text.splitlines(keepends=True)
            return CosignatureGiven(tuple(line for line in lines if line.strip()))
        if response.status_code == httpx.codes.CONFLICT:
            try:
                return SizeConflict(int(response.text.strip()))
            except ValueError:
                return Refused(response.status_code, "409 without a tree size")
        # The witness's own words (it never sees personal data: a checkpoint holds none).
        return Refused(response.status_code, response.text.strip()[:MAX_REASON])


def configured_witnesses(entries: Sequence[str]) -> list[HttpWitness]:
    """The `records_witnesses` setting read: "<URL> <vkey>" each; a bad entry stops start-up,
    named by its place (the key is public, but the message need not repeat it)."""
    witnesses = []
    for place, entry in enumerate(entries, start=1):
        url, _, vkey = entry.strip().partition(" ")
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"records_witnesses entry {place}: give '<URL> <vkey>'")
        try:
            verifier = CosignatureVerifier.parse(vkey.strip())
        except MerkleError as error:
            raise SettingsError(f"records_witnesses entry {place}: {error}") from None
        witnesses.append(HttpWitness(WitnessIdentity(url, verifier)))
    return witnesses
