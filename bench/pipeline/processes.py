"""The service processes this benchmark process started, found in /proc, and their memory."""

import os
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def children() -> dict[int, list[str]]:
    """The command line of each child process of this one, by pid."""
    found: dict[int, list[str]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            arguments = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:  # it ended meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
            found[int(entry.name)] = [argument for argument in arguments if argument]
    return found


def running_module(module: str) -> dict[str, int]:
    """Children running `python -m <module> [name]`, by name (the module's own if none)."""
    found = {}
    for pid, arguments in children().items():
        for at in range(len(arguments) - 1):
            if arguments[at : at + 2] == ["-m", module]:
                found[arguments[at + 2] if at + 2 < len(arguments) else module] = pid
    return found


def memory_mib(pid: int, field: str = "VmRSS") -> float:
    """`VmRSS` (resident now) or `VmHWM` (the peak so far) of a process, in MiB."""
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
