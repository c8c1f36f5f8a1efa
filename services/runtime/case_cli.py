"""`caselog replay` (a case's timeline, from the records API) and `caselog erase` (a subject's
erasure, from the privacy API, with its signed receipt): clients of the running services."""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from services.runtime.confirming import REFUSED_STATUS, confirmed

RECORDS_URL = "http://127.0.0.1:8000/records"
PRIVACY_URL = "http://127.0.0.1:8000/privacy"
TIMEOUT_S = 30.0


def replay_case(
    client: httpx.Client,
    case_id: str,
    *,
    as_of: datetime | None = None,
    valid_at: datetime | None = None,
    purpose: str | None = None,
    reveal: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Prints the case's timeline as JSON; exit status 0, or 1 with the API's reason."""
    params: dict[str, str] = {}
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    if valid_at is not None:
        params["valid_at"] = valid_at.isoformat()
    if reveal:
        params["reveal"] = "true"
    if purpose is not None:
        params["purpose"] = purpose
    answer = _call(client, "GET", f"/v1/cases/{case_id}/timeline", err, params=params)
    if answer is None:
        return 1
    print(json.dumps(answer.json(), indent=2, ensure_ascii=False), file=out or sys.stdout)
    return 0


def erase_subject(
    client: httpx.Client,
    identities: Sequence[str],
    *,
    reason: str | None = None,
    receipt: Path | None = None,
    yes: bool = False,
    regime: str | None = None,
    received_at: datetime | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Shows what erasing the subject named by these e-mail addresses and phone numbers would
    do, asks to confirm (unless `yes`), erases and writes the signed receipt. Prints summaries
    that never repeat an identity. Exit status 0; 1 with the API's reason (no_match
    included); 2 if not confirmed. `regime` and `received_at` (when the person asked) are the
    API's; it checks them."""
    out = out or sys.stdout
    named = {"identities": list(identities)}
    answer = _call(client, "POST", "/v1/requests/erasure/preview", err, json=named)
    if answer is None:
        return 1
    _print_preview(answer.json(), out)
    question = "Erase the cases listed above? Their keys are destroyed for good."
    if not confirmed(question, yes=yes, stdin=stdin, err=err):
        return REFUSED_STATUS
    body: dict[str, Any] = {**named, "reference": reason}
    if regime is not None:
        body["regime"] = regime
    if received_at is not None:
        body["received_at"] = received_at.isoformat()
    answer = _call(client, "POST", "/v1/requests/erasure", err, json=body)
    if answer is None:
        return 1
    document: dict[str, Any] = answer.json()["receipt"]
    path = receipt or Path(f"erasure-receipt-{document['request_id']}.json")
    try:
        # The bytes as answered: the receipt must equal the signed note field by field.
        path.write_bytes(answer.content)
    except OSError as error:
        print(f"FAILED: cannot write {path}: {error.strerror}", file=err or sys.stderr)
        return 1
    _print_summary(document, path, out)
    return 0


def _print_preview(preview: dict[str, Any], out: TextIO) -> None:
    subjects, cases = preview["subject_refs"], preview["cases"]
    linked = f" (one person, {len(subjects)} linked subjects)" if len(subjects) > 1 else ""
    print(f"the identities lead to {len(subjects)} subjects{linked}", file=out)
    for case in cases:
        holds = ", ".join(f"{h['hold_id']} (matter {h['matter']})" for h in case["held_by"])
        what = f"kept: held by {holds}" if holds else "will be erased"
        print(
            f"  case {case['case_id']}: {case['kept_events']} events, {case['disposition']}"
            f"{', a call recording' if case['has_recording'] else ''}; {what}",
            file=out,
        )
    print(f"  subject index: {preview['subject_index']}", file=out)
    residual = preview.get("residual_copies")
    if residual:
        print(
            f"  residual copies unreadable at the close of epoch {residual['epoch']},"
            f" no later than {residual['unreadable_by']}",
            file=out,
        )


def _print_summary(document: dict[str, Any], path: Path, out: TextIO) -> None:
    erased, held = document["erased_case_ids"], document["held_cases"]
    print(f"erasure request {document['request_id']} ({document['status']})", file=out)
    print(f"  {len(erased)} cases of the subject erased, {len(held)} held", file=out)
    for case_id in erased:
        print(f"  erased: case {case_id}", file=out)
    for case in held:
        holds = ", ".join(f"{h['hold_id']} (matter {h['matter']})" for h in case["holds"])
        print(f"  held: case {case['case_id']} by {holds}", file=out)
    residual = document.get("residual_copies")
    if residual:
        print(f"  pending: {residual['statement']}", file=out)
    print(f"  signed receipt written to {path} (check it: caselog verify-receipt)", file=out)


def _call(
    client: httpx.Client, method: str, path: str, err: TextIO | None, **request: Any
) -> httpx.Response | None:
    """The answer if it succeeded; else None, after printing why (never the request itself)."""
    err = err or sys.stderr
    try:
        answer = client.request(method, path, **request)
    except httpx.HTTPError as error:
        print(f"FAILED: cannot reach {client.base_url}: {type(error).__name__}", file=err)
        return None
    if answer.is_success:
        return answer
    print(f"FAILED: {answer.status_code} {_problem(answer)}", file=err)
    return None


def _problem(answer: httpx.Response) -> str:
    try:
        problem = answer.json()
    except ValueError:
        return answer.reason_phrase
    if not isinstance(problem, dict) or "reason" not in problem:
        return answer.reason_phrase
    field = problem.get("field")
    return f"{problem['reason']} (field: {field})" if field else str(problem["reason"])


def _client(url: str | None, env: str, default: str, token: str | None) -> httpx.Client:
    token = token if token is not None else os.environ.get("CASELOG_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    base = url or os.environ.get(env) or default
    return httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT_S)


def _instant(text: str) -> datetime:
    """An option's time; argparse names the option in the error (exit status 2)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time, e.g. 2026-11-02T10:00:00+09:00"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a zone, e.g. +09:00 or Z")
    return value


def _replay(args: argparse.Namespace) -> None:
    with _client(args.url, "CASELOG_RECORDS_URL", RECORDS_URL, args.token) as client:
        status = replay_case(
            client,
            args.case_id,
            as_of=args.as_of,
            valid_at=args.valid_at,
            reveal=args.reveal,
            purpose=args.purpose,
        )
    raise SystemExit(status)


def _erase(args: argparse.Namespace) -> None:
    with _client(args.url, "CASELOG_PRIVACY_URL", PRIVACY_URL, args.token) as client:
        status = erase_subject(
            client,
            args.identities,
            reason=args.reason,
            receipt=args.receipt,
            yes=args.yes,
            regime=args.regime,
            received_at=args.received_at,
        )
    raise SystemExit(status)


def _add_connection(parser: argparse.ArgumentParser, env: str, default: str) -> None:
    parser.add_argument("--url", help=f"the service's base URL (default: ${env}, else {default})")
    parser.add_argument("--token", help="a bearer token (default: $CASELOG_TOKEN)")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    replay = commands.add_parser(
        "replay", help="print a case's timeline as JSON (records API), optionally as of a time"
    )
    replay.add_argument("case_id", help="the case to replay")
    replay.add_argument(
        "--as-of", type=_instant, help="what had been recorded by then (ISO 8601, zoned)"
    )
    replay.add_argument(
        "--valid-at", type=_instant, help="what had happened by then (ISO 8601, zoned)"
    )
    replay.add_argument(
        "--reveal",
        action="store_true",
        help="personal fields in plaintext (legal, privacy officer)",
    )
    replay.add_argument("--purpose", help="why personal data is revealed (recorded in the log)")
    _add_connection(replay, "CASELOG_RECORDS_URL", RECORDS_URL)
    replay.set_defaults(action=_replay)
    erase = commands.add_parser(
        "erase",
        help="preview, confirm and erase a data subject (privacy API); writes the signed receipt",
    )
    erase.add_argument(
        "identities",
        nargs="+",
        metavar="identity",
        help="the subject's e-mail addresses and phone numbers (each exactly one)",
    )
    erase.add_argument(
        "--yes", action="store_true", help="erase without asking (after showing the preview)"
    )
    erase.add_argument(
        "--reason", help="your ticket or letter reference (kept in the receipt: no personal data)"
    )
    erase.add_argument(
        "--receipt", type=Path, help="where to write the receipt (erasure-receipt-<id>.json)"
    )
    erase.add_argument(
        "--regime",
        choices=("internal", "gdpr", "appi"),
        help="whose deadline applies (default internal; appi: 個人情報保護法, without delay)",
    )
    erase.add_argument(
        "--received-at",
        type=_instant,
        help="when the person asked (ISO 8601, zoned; default now): the due date runs from it",
    )
    _add_connection(erase, "CASELOG_PRIVACY_URL", PRIVACY_URL)
    erase.set_defaults(action=_erase)
