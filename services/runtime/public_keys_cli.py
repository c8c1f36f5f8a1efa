"""`caselog public-keys`: the public keys an outsider pins, in note verifier-key form, written to
files (records' checkpoint key, privacy's erasure-receipt key) — the same keys the public log
serves at /log/keys, for handing over on a channel the outsider trusts more than the log."""

import argparse
import sys
from pathlib import Path
from typing import TextIO

from services.privacy.adapters.signing import load_receipt_signer
from services.records.adapters.log_identity import load_signer
from shared.errors import CaselogError
from shared.settings import load_settings

DEFAULT_FOLDER = Path("data/public-keys")
WRITTEN, CONFLICT = 0, 1


def write_public_keys(folder: Path, out: TextIO | None = None) -> int:
    """Writes records.vkey and privacy.vkey into `folder` unless they hold these keys already.

    A file that holds another key is left alone and the command fails: a pinned key that
    changes under its file name is what an outsider must notice, not what a tool overwrites.
    """
    out = out or sys.stdout
    keys = {
        "records.vkey": load_signer(load_settings(service_name="records")).verifier.key_string(),
        "privacy.vkey": load_receipt_signer(load_settings(service_name="privacy")).verifier_key,
    }
    folder.mkdir(parents=True, exist_ok=True)
    status = WRITTEN
    for name, key in keys.items():
        path = folder / name
        if not path.exists():
            path.write_text(key + "\n", encoding="ascii")
            print(f"wrote {path}: {key}", file=out)
        elif path.read_text(encoding="ascii").strip() == key:
            print(f"kept {path}: {key}", file=out)
        else:
            print(f"FAILED: {path} holds another key; not overwritten", file=out)
            status = CONFLICT
    return status


def _public_keys(args: argparse.Namespace) -> None:
    try:
        raise SystemExit(write_public_keys(args.out))
    except CaselogError as error:
        raise SystemExit(f"caselog public-keys: {error}") from None


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = commands.add_parser(
        "public-keys",
        help="write the log's and the receipts' verifier keys to files (kept if already there)",
    )
    keys.add_argument(
        "--out", type=Path, default=DEFAULT_FOLDER, help=f"folder (default {DEFAULT_FOLDER})"
    )
    keys.set_defaults(action=_public_keys)
