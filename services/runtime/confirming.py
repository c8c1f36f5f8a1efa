"""Confirmation before a command destroys something: `--yes` skips the question; without it a
command asks on the terminal, and refuses when standard input is not one (a script or a pipe
must say `--yes` to mean it)."""

import sys
from typing import TextIO

REFUSED_STATUS = 2


def confirmed(
    question: str, *, yes: bool, stdin: TextIO | None = None, err: TextIO | None = None
) -> bool:
    """True if the operator agrees (or passed `--yes`); False after saying why not."""
    if yes:
        return True
    stdin, err = stdin or sys.stdin, err or sys.stderr
    if not stdin.isatty():
        print("REFUSED: standard input is not a terminal; pass --yes to confirm", file=err)
        return False
    print(f"{question} [y/N] ", end="", file=err, flush=True)
    answer = stdin.readline().strip().lower()
    if answer in ("y", "yes"):
        return True
    print("REFUSED: not confirmed; nothing was done", file=err)
    return False
