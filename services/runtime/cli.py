"""The `caselog` command; each group of subcommands lives in its own module and registers here."""

import argparse
from collections.abc import Sequence

from services.runtime import (
    admin,
    case_cli,
    keys_cli,
    privacy_cli,
    public_keys_cli,
    records_cli,
    serving,
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="caselog", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    for module in (serving, admin, records_cli, privacy_cli, case_cli, keys_cli, public_keys_cli):
        module.register(commands)
    return root


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.action(args)
