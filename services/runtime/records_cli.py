"""`caselog verify <bundle>` (offline: the file and nothing else) and `caselog verify-log` (the
whole records store, against every checkpoint); both exit 1 and name the first failure.

Exit statuses of `caselog verify`: 0 verified against a key you trust (`--key`), and cosigned
by the quorum of the witnesses you name (`--witness`, `--quorum`); 1 does not verify (forged,
damaged, unreadable, or too few witness cosignatures); 2 wrong usage; 3 self-consistent only:
with no trusted key the bundle's signature is checked with the key inside the bundle, which
proves nothing about who signed it (a forger brings a key of their own).
"""

import argparse
import asyncio
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
from shared.bundle.check import verify_bundle
from shared.bundle.format import parse_bundle
from shared.database import create_engine
from shared.errors import CaselogError
from shared.merkle.cosignature import CosignatureVerifier
from shared.merkle.keys import NoteSigner, NoteVerifier
from shared.settings import CaselogSettings, load_settings

SHOWN_PROBLEMS = 20
VERIFIED, FAILED, USAGE, SELF_CONSISTENT_ONLY = 0, 1, 2, 3


def verify_file(
    path: Path,
    keys: Sequence[str] = (),
    held: Path | None = None,
    out: TextIO | None = None,
    *,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
) -> int:
    """Checks the bundle at `path`; `keys` are verifier keys the user trusts, `held` a
    checkpoint note they kept, `witness_keys` witnesses of which `quorum` (default: all) must
    have cosigned. Exit status: VERIFIED, FAILED, USAGE or, without `keys`,
    SELF_CONSISTENT_ONLY at best (see the module's docstring)."""
    out = out or sys.stdout
    needed = len(witness_keys) if quorum is None else quorum
    if not 0 <= needed <= len(witness_keys) or (witness_keys and needed == 0):
        print(
            f"usage: --quorum is 1 to the number of --witness keys ({len(witness_keys)})", file=out
        )
        return USAGE
    try:
        bundle = parse_bundle(path.read_bytes())
        trusted = [NoteVerifier.parse(key) for key in keys]
        witnesses = [CosignatureVerifier.parse(key) for key in witness_keys]
        held_note = held.read_text(encoding="utf-8") if held else None
    except OSError as error:
        print(f"FAILED: cannot read {error.filename}: {error.strerror}", file=out)
        return FAILED
    except CaselogError as error:
        print(f"FAILED: {error}", file=out)
        return FAILED
    verdict = verify_bundle(bundle, trusted, held_note, witnesses, needed)
    if verdict.failure is not None:
        print(f"FAILED: {verdict.failure}", file=out)
        return FAILED
    if not verdict.key_trusted:
        print(
            f"SELF-CONSISTENT ONLY: case {verdict.case_id}, {verdict.events} events, tree of"
            f" {verdict.tree_size}",
            file=out,
        )
        print(
            "  only self-consistency was checked: the signature was checked with the key inside"
            " the bundle,\n  and anyone can sign a forged bundle with a key of their own."
            "\n  Pass --key with the log's key from a source you trust (GET /records/v1/log)."
            f"\n  Exit status {SELF_CONSISTENT_ONLY}.",
            file=out,
        )
        return SELF_CONSISTENT_ONLY
    print(f"verified: case {verdict.case_id}, {verdict.events} events", file=out)
    print(
        f"  every event is in the tree of {verdict.tree_size} signed by {bundle.origin}"
        " with the key you trust",
        file=out,
    )
    if bundle.consistency is not None:
        print("  and that tree extends the older checkpoint in the bundle", file=out)
    if witnesses:
        print(
            f"  cosigned by {len(verdict.witnesses)} of the {len(witnesses)} witnesses you"
            f" trust (quorum {needed}): {', '.join(verdict.witnesses)}",
            file=out,
        )
    return VERIFIED


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
            args.bundle, args.key, args.checkpoint, witness_keys=args.witness, quorum=args.quorum
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
        description="Exit status: 0 verified against a key you trust (--key), cosigned by"
        " --quorum of the --witness keys; 1 does not verify (or too few witnesses cosigned);"
        " 2 wrong usage; 3 self-consistent only (no --key: the bundle's own key proves"
        " nothing about who signed it).",
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
