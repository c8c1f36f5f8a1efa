"""`caselog keys current` and `caselog keys close-epoch`: the open key epoch, and closing it now,
through the privacy API (URL and token) or, with `--local`, on the data the command's settings
name (the embedded runtime's data folder), publishing `keys.epoch_closed` on their bus."""

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any, TextIO

import httpx

from services.privacy.bootstrap import bootstrap
from services.privacy.service_layer.messages import CloseKeyEpoch
from services.runtime.case_cli import PRIVACY_URL, add_connection, call, client_for
from shared.crypto.epochs import Epoch, EpochClosure
from shared.crypto.runtime import build_personal_data
from shared.errors import CaselogError
from shared.logs import configure_logging
from shared.settings import load_settings


async def close_epoch_locally(actor: str) -> EpochClosure | None:
    """Close the epoch with privacy's own machinery on the settings' key store and bus."""
    settings = load_settings(service_name="privacy")
    configure_logging(settings)
    privacy = bootstrap(settings)
    async with privacy.infrastructure.running():
        await privacy.personal.start()
        try:
            await privacy.store.create_tables()
            return await privacy.handle(CloseKeyEpoch(actor))
        finally:
            await privacy.personal.close()


async def current_epoch_locally() -> Epoch:
    personal = build_personal_data(load_settings(service_name="privacy"))
    await personal.start()
    try:
        return await personal.keys.current_epoch()
    finally:
        await personal.close()


def print_closure(closure: dict[str, Any], out: TextIO) -> None:
    closed, opened = closure["closed"], closure["opened"]
    print(
        f"closed key epoch {closed['number']}: KEK {closure['destroyed_kek_id']} destroyed",
        file=out,
    )
    print(
        f"  {closure['rewrapped_keys']} live data keys re-wrapped under {opened['kek_id']}",
        file=out,
    )
    print(f"  epoch {opened['number']} open; it closes by {opened['closes_by']}", file=out)


def _epoch_json(epoch: Epoch) -> dict[str, Any]:
    return {
        "number": epoch.number,
        "kek_id": epoch.kek_id,
        "opened_at": epoch.opened_at.isoformat(),
        "closes_by": epoch.closes_by.isoformat(),
    }


def _closure_json(closure: EpochClosure) -> dict[str, Any]:
    return {
        "closed": _epoch_json(closure.closed),
        "opened": _epoch_json(closure.opened),
        "destroyed_kek_id": closure.destroyed_kek_id,
        "rewrapped_keys": closure.rewrapped_keys,
        "closed_at": closure.closed_at.isoformat(),
    }


def close_epoch_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.local:
        try:
            closure = asyncio.run(close_epoch_locally(f"cli:{getpass.getuser()}"))
        except CaselogError as error:
            print(f"FAILED: {error}", file=sys.stderr)
            return 1
        if closure is None:
            print("FAILED: the epoch was closed by another close meanwhile", file=sys.stderr)
            return 1
        print_closure(_closure_json(closure), out)
        return 0
    with client_for(args.url, "CASELOG_PRIVACY_URL", PRIVACY_URL, args.token) as client:
        answer = call(client, "POST", "/v1/keys/epochs/close", None)
    if answer is None:
        return 1
    print_closure(answer.json(), out)
    return 0


def current_epoch_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.local:
        print(json.dumps(_epoch_json(asyncio.run(current_epoch_locally())), indent=2), file=out)
        return 0
    with client_for(args.url, "CASELOG_PRIVACY_URL", PRIVACY_URL, args.token) as client:
        answer: httpx.Response | None = call(client, "GET", "/v1/keys/epochs/current", None)
    if answer is None:
        return 1
    print(json.dumps(answer.json(), indent=2), file=out)
    return 0


def _close(args: argparse.Namespace) -> None:
    raise SystemExit(close_epoch_command(args))


def _current(args: argparse.Namespace) -> None:
    raise SystemExit(current_epoch_command(args))


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = commands.add_parser("keys", help="key epochs: the open one, closing it now")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    close = key_commands.add_parser(
        "close-epoch",
        help="re-wrap every data key under a fresh KEK and destroy the old one (admin)",
    )
    current = key_commands.add_parser("current", help="the open key epoch and when it closes")
    for parser, action in ((close, _close), (current, _current)):
        parser.add_argument(
            "--local",
            action="store_true",
            help="act on the key store of this command's settings (e.g. the embedded data"
            " folder) instead of calling the privacy API",
        )
        add_connection(parser, "CASELOG_PRIVACY_URL", PRIVACY_URL)
        parser.set_defaults(action=action)
    rewrap = commands.add_parser(
        "rewrap-keys",
        help="since key epochs: the same as `caselog keys close-epoch --local`",
    )
    rewrap.set_defaults(action=_close, local=True)
