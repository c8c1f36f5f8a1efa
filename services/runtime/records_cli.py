"""`caselog verify <bundle>` (offline: the file and nothing else) and `caselog verify-log` (the
whole records store, against every checkpoint); both exit 1 and name the first failure.

`caselog verify` prints what it proved (shared.bundle.report), as text or, with `--json`, as
one JSON document. Its exit statuses:
  0 verified against a key you trust (`--key`), and cosigned by the quorum of the witnesses you
    name (`--witness`, `--quorum`);
  1 the bundle failed a check: forged, damaged, not a bundle, too few witness cosignatures;
  2 wrong usage or input the command could not read: a file it cannot open, a --key or
    --witness that is not a verifier key, a --quorum out of range (nothing was checked);
  3 self-consistent only: with no trusted key the bundle's signature is checked with the key
    inside the bundle, which proves nothing about who signed it (a forger brings a key of their
    own).
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.log_identity import load_signer, log_origin
from services.records.adapters.tables import records_tables
from services.records.service_layer.audit import AuditReport, audit_store
from shared.bundle.report import (
    REPORT_FORMAT,
    VerificationReport,
    report_document,
    report_text,
    verification_report,
)
from shared.database import create_engine
from shared.errors import CaselogError
from shared.merkle.cosignature import CosignatureVerifier
from shared.merkle.keys import NoteSigner, NoteVerifier
from shared.settings import CaselogSettings, load_settings

SHOWN_PROBLEMS = 20
VERIFIED, FAILED, USAGE, SELF_CONSISTENT_ONLY = 0, 1, 2, 3
EXIT_STATUS = {"verified": VERIFIED, "failed": FAILED, "self_consistent_only": SELF_CONSISTENT_ONLY}
EXIT_STATUSES = (
    "Exit status: 0 verified against a key you trust (--key), cosigned by --quorum of the"
    " --witness keys; 1 the bundle failed a check (forged, damaged, not a bundle, too few"
    " witnesses cosigned); 2 wrong usage or unreadable input (a file that cannot be opened, a"
    " key that does not parse: nothing was checked); 3 self-consistent only (no --key: the"
    " bundle's own key proves nothing about who signed it)."
)


def verify_file(
    path: Path,
    keys: Sequence[str] = (),
    held: Path | None = None,
    out: TextIO | None = None,
    *,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
    as_json: bool = False,
) -> int:
    """Checks the bundle at `path` and prints what it proved; `keys` are verifier keys the
    user trusts, `held` a checkpoint note they kept, `witness_keys` witnesses of which
    `quorum` (default: all) must have cosigned. Exit status: VERIFIED, FAILED, USAGE or,
    without `keys`, SELF_CONSISTENT_ONLY at best (see the module's docstring)."""
    out = out or sys.stdout
    needed = len(witness_keys) if quorum is None else quorum
    if not 0 <= needed <= len(witness_keys) or (witness_keys and needed == 0):
        reason = f"--quorum is 1 to the number of --witness keys ({len(witness_keys)})"
        return _unusable("usage", reason, out, as_json)
    try:
        data = path.read_bytes()
        held_note = held.read_text(encoding="utf-8") if held else None
    except OSError as error:
        return _unusable(
            "unreadable", f"cannot read {error.filename}: {error.strerror}", out, as_json
        )
    except UnicodeDecodeError:
        return _unusable("unreadable", f"{held} is not a UTF-8 checkpoint note", out, as_json)
    try:
        trusted = [NoteVerifier.parse(key) for key in keys]
        witnesses = [CosignatureVerifier.parse(key) for key in witness_keys]
    except CaselogError as error:
        return _unusable("usage", f"a key on the command line: {error}", out, as_json)
    report = verification_report(data, trusted, held_note, witnesses, needed)
    status = EXIT_STATUS[report.result]
    _print_report_of(report, status, out, as_json)
    return status


def _print_report_of(report: VerificationReport, status: int, out: TextIO, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report_document(report) | {"exit_status": status}, indent=2), file=out)
        return
    print(report_text(report), end="", file=out)
    if status == SELF_CONSISTENT_ONLY:
        print(f"Exit status {SELF_CONSISTENT_ONLY}: self-consistent only.", file=out)


def _unusable(result: str, reason: str, out: TextIO, as_json: bool) -> int:
    """Nothing was checked: the command line or a file it names is at fault, not the bundle."""
    if as_json:
        document = {"format": REPORT_FORMAT, "result": result, "reason": reason}
        print(json.dumps(document | {"exit_status": USAGE}, indent=2), file=out)
    else:
        print(f"{result}: {reason}", file=out)
    return USAGE


async def verify_log(
    settings: CaselogSettings, keys: Sequence[str] = (), out: TextIO | None = None
) -> int:
    """Audits the records database of `settings` against every checkpoint, with a progress bar."""
    out = out or sys.stdout
    try:
        origin = log_origin(settings)
        verifiers = [NoteVerifier.parse(key) for key in keys] or [
            load_signer(settings, create=False).verifier
        ]
    except CaselogError as error:
        print(f"FAILED: {error}; pass --key <verifier key>", file=out)
        return 1
    if missing := _missing_sqlite_file(settings.database_url):
        print(f"FAILED: there is no records database at {missing}", file=out)
        return 1
    engine = create_engine(settings)
    store = SqlEventStore(engine, records_tables())
    try:
        report = await _audit_with_progress(store, verifiers, origin)
    except SQLAlchemyError as error:
        print(f"FAILED: cannot read the records database ({type(error).__name__})", file=out)
        return 1
    finally:
        await engine.dispose()
    return _print_report(report, out)


def _missing_sqlite_file(database_url: str) -> str:
    """The SQLite file named by the URL if it does not exist (connecting would create it)."""
    url = make_url(database_url)
    path = url.database or ""
    exists = url.get_backend_name() != "sqlite" or Path(path).is_file()
    return "" if exists else path


async def _audit_with_progress(
    store: SqlEventStore, verifiers: Sequence[NoteVerifier], origin: str
) -> AuditReport:
    columns = (TextColumn("checking the log"), BarColumn(), MofNCompleteColumn())
    progress = Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True))
    with progress:
        task = progress.add_task("events", total=await store.size())
        return await audit_store(
            store,
            verifiers,
            origin=origin,
            progress=lambda done: progress.update(task, completed=done),
        )


def _print_report(report: AuditReport, out: TextIO) -> int:
    if report.first is None:
        print(
            f"the log is intact: {report.events} events, {report.checkpoints} checkpoints", file=out
        )
        return 0
    print(f"FAILED: {report.first}", file=out)
    for problem in report.problems[1:SHOWN_PROBLEMS]:
        print(f"  also: {problem}", file=out)
    if len(report.problems) > SHOWN_PROBLEMS:
        print(f"  and {len(report.problems) - SHOWN_PROBLEMS} more problems", file=out)
    return 1


def _verify(args: argparse.Namespace) -> None:
    raise SystemExit(
        verify_file(
            args.bundle,
            args.key,
            args.checkpoint,
            witness_keys=args.witness,
            quorum=args.quorum,
            as_json=args.json,
        )
    )


def _verify_log(args: argparse.Namespace) -> None:
    settings = load_settings(service_name="records")
    raise SystemExit(asyncio.run(verify_log(settings, args.key)))


def _new_log_key(args: argparse.Namespace) -> None:
    try:
        signer = NoteSigner.generate(args.origin)
    except CaselogError as error:
        raise SystemExit(f"caselog log-key: {error}") from None
    # The origin and the key's name are one: C2SP tlog-checkpoint names the log's key by it.
    print(f"CASELOG_RECORDS_ORIGIN={signer.name}")
    print(f"CASELOG_RECORDS_SIGNING_KEY={signer.key_string()}")
    print(f"# verifier key (publish it): {signer.verifier.key_string()}")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    key_help = "a C2SP verifier key you trust for the log (repeatable)"
    bundle = commands.add_parser(
        "verify",
        help="check a litigation bundle offline (no database, no network)",
        description="Checks a litigation bundle offline and says what it proved: the case, its"
        " events and when they occurred and were recorded, the checkpoint and its key's"
        " fingerprint, the witnesses, whether the set is complete, the revealed fields checked.",
        epilog=EXIT_STATUSES,
    )
    bundle.add_argument("bundle", type=Path, help="the bundle file (JSON)")
    bundle.add_argument("--key", action="append", default=[], help=key_help)
    bundle.add_argument(
        "--checkpoint", type=Path, help="a checkpoint note you hold: the bundle must extend it"
    )
    bundle.add_argument(
        "--witness",
        action="append",
        default=[],
        help="a witness's cosignature verifier key (C2SP tlog-cosignature) you trust (repeatable)",
    )
    bundle.add_argument(
        "--quorum",
        type=int,
        default=None,
        help="how many of the --witness keys must have cosigned (default: all of them)",
    )
    bundle.add_argument(
        "--json", action="store_true", help="print the report as one JSON document, for machines"
    )
    bundle.set_defaults(action=_verify)
    audit = commands.add_parser(
        "verify-log", help="recompute the records store's chains and tree against every checkpoint"
    )
    audit.add_argument("--key", action="append", default=[], help=key_help)
    audit.set_defaults(action=_verify_log)
    log_key = commands.add_parser(
        "log-key", help="a new Ed25519 checkpoint signing key, named by the log's origin"
    )
    log_key.add_argument(
        "--origin",
        required=True,
        help="this deployment's log origin, unique to it (e.g. records.example.co.jp/caselog)",
    )
    log_key.set_defaults(action=_new_log_key)
