"""`caselog export-anonymized` (the anonymized copies as JSON Lines), `caselog verify-receipt`
(an erasure receipt, offline) and `caselog receipt-key` (a new receipt signing key)."""

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from services.privacy.adapters.copy_keys import SealedCopies
from services.privacy.adapters.signing import KEY_NAME, VerifiedReceipt, verify_receipt
from services.privacy.adapters.store import SqlPrivacyStore
from services.privacy.domain.errors import ReceiptVerificationError
from shared.crypto.runtime import build_personal_data
from shared.database import create_engine
from shared.errors import CaselogError
from shared.merkle.cosignature import CosignatureVerifier
from shared.merkle.keys import NoteSigner
from shared.settings import CaselogSettings, load_settings

PAGE = 500
# Verified, but only against the key the file itself carries: not proof of who signed it.
UNPINNED_STATUS = 3


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


def verify_receipt_file(
    path: Path,
    key: str | None = None,
    out: TextIO | None = None,
    completion: Path | None = None,
    records_key: str | None = None,
    binding: Path | None = None,
    bound: bool = False,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
) -> int:
    """Checks an erasure receipt offline: its signature, that no field was changed, and its
    completion statement (inside the file, or `completion`, a statement file) if there is one.

    Exit status 0 only if it verifies with a pinned `key` (a verifier key, or a file holding
    one); 1 if it fails; UNPINNED_STATUS if it verifies only with the key inside the file,
    which anyone can replace with their own: that proves self-consistency, not origin.
    `records_key`: the records log's verifier key, to check the bound checkpoint's signature
    and the log binding (in the file as `log_binding`, or `binding`, a file records served);
    `bound`: fail a receipt with events but no log binding; `witness_keys`: witnesses of which
    `quorum` (default: all) must have cosigned the binding's checkpoint (implies `bound`).
    """
    out = out or sys.stdout
    try:
        document = path.read_bytes()
        if completion is not None:
            document = _attached(document, "completion", completion.read_bytes())
        if binding is not None:
            document = _attached(document, "log_binding", binding.read_bytes())
        witnesses = [CosignatureVerifier.parse(_key(given) or "") for given in witness_keys]
        verified = verify_receipt(
            document,
            _key(key),
            _key(records_key),
            require_binding=bound,
            witnesses=witnesses,
            quorum=len(witnesses) if quorum is None else quorum,
        )
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
    _print_state(verified, out)
    checkpoint = receipt.records_checkpoint
    state = "bound" if checkpoint.bound else "pending"
    print(f"  records checkpoint: {state}: {checkpoint.detail}", file=out)
    if checkpoint.bound:
        signed_by = (
            "its signature checked with --records-key"
            if records_key
            else ("its signature not checked (pass --records-key, or check it with caselog verify)")
        )
        print(f"  the checkpoint includes every event listed; {signed_by}", file=out)
    if verified.binding_unchecked:
        print("  log binding: present, not checked (pass --records-key)", file=out)
    if verified.bound_at is not None:
        print(
            f"  bound to the log at checkpoint {verified.bound_at}: each of the"
            f" {len(receipt.event_ids)} subject.erased events is proved in it (records key"
            " pinned)",
            file=out,
        )
    if verified.witnesses:
        print(f"  cosigned by the witnesses {', '.join(verified.witnesses)}", file=out)
    print(f"  signed by {verified.verifier_key.split('+')[0]}", file=out)
    if verified.bundled_key:
        print("  NOT TRUSTED: only self-consistency was checked, with the key inside the", file=out)
        print("  file (a forger signs with their own). Pass --key with the privacy", file=out)
        print("  service's key from a source you trust (GET /privacy/v1/receipts/key)", file=out)
        return UNPINNED_STATUS
    return 0


def _print_state(verified: VerifiedReceipt, out: TextIO) -> None:
    residual, statement = verified.receipt.residual_copies, verified.completion
    if statement is not None:
        print(
            f"  complete: epoch {statement.closed_epoch} closed {statement.closed_at.isoformat()}"
            f" and its KEK {statement.destroyed_kek_id} was destroyed (completion statement"
            " verified)",
            file=out,
        )
    elif residual is not None:
        print(
            f"  pending: residual copies unreadable at the close of epoch {residual.epoch},"
            f" no later than {residual.unreadable_by.isoformat()}",
            file=out,
        )
    elif verified.receipt.keys_destroyed:
        print("  pending: a v1 receipt names no key epoch; no completion can be shown", file=out)
    else:
        print("  complete: no key was destroyed, so no residual copy to wait for", file=out)


def _key(given: str | None) -> str | None:
    """A verifier key given as a value or as a file holding one."""
    if given is None:
        return None
    return Path(given).read_text(encoding="ascii") if Path(given).is_file() else given


def _attached(receipt: bytes, field: str, attachment: bytes) -> bytes:
    """The receipt file with another file (a completion statement, a log binding) put in it
    as `field`, for one verification."""
    try:
        document, attached = json.loads(receipt), json.loads(attachment)
    except ValueError:
        raise ReceiptVerificationError(f"the receipt or {field} file is not JSON") from None
    if not isinstance(document, dict):
        raise ReceiptVerificationError("the receipt file does not hold a receipt object")
    return json.dumps({**document, field: attached}).encode()


def _export(args: argparse.Namespace) -> None:
    settings = load_settings(service_name="privacy")
    if args.output is None:
        written = asyncio.run(export_anonymized(settings, sys.stdout))
    else:
        with args.output.open("w", encoding="utf-8") as file:
            written = asyncio.run(export_anonymized(settings, file))
    print(f"exported {written} anonymized copies", file=sys.stderr)


def _verify(args: argparse.Namespace) -> None:
    sys.exit(
        verify_receipt_file(
            args.receipt,
            args.key,
            completion=args.completion,
            records_key=args.records_key,
            binding=args.binding,
            bound=args.bound,
            witness_keys=args.witness,
            quorum=args.quorum,
        )
    )


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
    verify.add_argument(
        "--key", help="a verifier key, or a file holding one, to trust (else exit status 3)"
    )
    verify.add_argument(
        "--completion",
        type=Path,
        help="a completion statement file (GET /privacy/v1/completions/<epoch>) to check with it",
    )
    verify.add_argument(
        "--records-key",
        help="the records log's verifier key, to check the bound checkpoint and log binding",
    )
    verify.add_argument(
        "--binding",
        type=Path,
        help="a log binding file (GET /records/v1/proofs/erasures?event_id=...) to check with it",
    )
    verify.add_argument(
        "--bound",
        action="store_true",
        help="fail unless the log binding proves every subject.erased event of the receipt",
    )
    verify.add_argument(
        "--witness",
        action="append",
        default=[],
        help="a witness's verifier key (or a file holding one) that must have cosigned the"
        " binding's checkpoint; repeatable",
    )
    verify.add_argument(
        "--quorum", type=int, help="how many of the --witness keys must have (default: all)"
    )
    verify.set_defaults(action=_verify)
    commands.add_parser(
        "receipt-key", help="a new Ed25519 key for signing erasure receipts (production)"
    ).set_defaults(action=_new_key)
