"""`caselog export-anonymized` (the anonymized copies as JSON Lines), `caselog verify-receipt`
(an erasure receipt, offline) and `caselog receipt-key` (a new receipt signing key)."""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from services.privacy.adapters.copy_keys import SealedCopies
from services.privacy.adapters.signing import KEY_NAME, verify_receipt
from services.privacy.adapters.store import SqlPrivacyStore
from shared.crypto.runtime import build_personal_data
from shared.database import create_engine
from shared.errors import CaselogError
from shared.merkle.keys import NoteSigner
from shared.settings import CaselogSettings, load_settings

PAGE = 500


async def export_anonymized(settings: CaselogSettings, out: TextIO) -> int:
    """Writes every copy in the privacy database of `settings`, one JSON object a line,
    opened with their business-copy keys from the key store."""
    engine = create_engine(settings)
    personal = build_personal_data(settings)
    store, sealer = SqlPrivacyStore(engine), SealedCopies(personal.keys)
    written, after = 0, None
    try:
        while page := await store.copies(after, PAGE):
            for sealed in page:
                out.write((await sealer.open(sealed)).model_dump_json() + "\n")
            written += len(page)
            after = page[-1].copy_id
    finally:
        await engine.dispose()
        await personal.close()
    return written


def verify_receipt_file(path: Path, key: str | None = None, out: TextIO | None = None) -> int:
    """Exit status 0 if the receipt's signature verifies and no field was changed, else 1.
    `key`: a verifier key (or a file holding one) to trust instead of the bundled one."""
    out = out or sys.stdout
    try:
        trusted = None
        if key is not None:
            trusted = Path(key).read_text(encoding="ascii") if Path(key).is_file() else key
        verified = verify_receipt(path.read_bytes(), trusted)
    except OSError as error:
        print(f"FAILED: cannot read {error.filename}: {error.strerror}", file=out)
        return 1
    except CaselogError as error:
        print(f"FAILED: {error}", file=out)
        return 1
    receipt = verified.receipt
    print(f"verified: erasure receipt {receipt.request_id} ({receipt.status.value})", file=out)
    print(
        f"  {len(receipt.erased_case_ids)} cases erased, {len(receipt.keys_destroyed)} keys"
        f" destroyed, {len(receipt.held_cases)} held; completed {receipt.completed_at.isoformat()}",
        file=out,
    )
    print(f"  signed by {verified.verifier_key.split('+')[0]}", file=out)
    if verified.bundled_key:
        print("  checked with the key inside the receipt only: pass --key with the", file=out)
        print(
            "  privacy service's key from a source you trust (GET /privacy/v1/receipts/key)",
            file=out,
        )
    return 0


def _export(args: argparse.Namespace) -> None:
    settings = load_settings(service_name="privacy")
    if args.output is None:
        written = asyncio.run(export_anonymized(settings, sys.stdout))
    else:
        with args.output.open("w", encoding="utf-8") as file:
            written = asyncio.run(export_anonymized(settings, file))
    print(f"exported {written} anonymized copies", file=sys.stderr)


def _verify(args: argparse.Namespace) -> None:
    sys.exit(verify_receipt_file(args.receipt, args.key))


def _new_key(_args: argparse.Namespace) -> None:
    signer = NoteSigner.generate(KEY_NAME)
    print(f"CASELOG_PRIVACY_SIGNING_KEY={signer.key_string()}")
    print(f"# verifier key (publish it): {signer.verifier.key_string()}")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    export = commands.add_parser(
        "export-anonymized", help="the anonymized copies, as JSON Lines (privacy's database)"
    )
    export.add_argument("--output", type=Path, help="a file to write (default: standard output)")
    export.set_defaults(action=_export)
    verify = commands.add_parser("verify-receipt", help="check an erasure receipt offline")
    verify.add_argument("receipt", type=Path, help="the receipt file (JSON, as the API answers)")
    verify.add_argument("--key", help="a verifier key, or a file holding one, to trust")
    verify.set_defaults(action=_verify)
    commands.add_parser(
        "receipt-key", help="a new Ed25519 key for signing erasure receipts (production)"
    ).set_defaults(action=_new_key)
