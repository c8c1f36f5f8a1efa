"""py-spy's raw output (one collapsed stack per line, then its sample count) summed up: where
the samples fall in caselog's own code, and in any code."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.infra import REPO_ROOT

OURS = ("services/", "shared/")
ENTRY = ("services/runtime/", "services/__main__.py")  # on every stack: says nothing
OUTSIDE = "(no caselog frame: the event loop, uvloop/asyncpg/aiokafka internals)"
IDLE = "epoll"  # a native stack's leaf while the loop waits: not busy
# Costs spread over many callers, counted wherever they appear on a busy stack.
ACROSS = {
    "SQLAlchemy's pool pre-ping (BEGIN, a query, ROLLBACK on every checkout)": "_async_ping",
    "asyncpg (PostgreSQL statements and round trips)": "asyncpg/",
    "SQLAlchemy (all of it)": "sqlalchemy/",
    "aiokafka": "aiokafka/",
    "pydantic": "pydantic/",
}


@dataclass
class Summary:
    samples: int = 0
    own: Counter[str] = field(default_factory=Counter)  # the running frame
    innermost_ours: Counter[str] = field(default_factory=Counter)  # deepest caselog frame
    inclusive_ours: Counter[str] = field(default_factory=Counter)  # caselog frame on the stack
    idle: int = 0
    across: Counter[str] = field(default_factory=Counter)

    def add(self, frames: list[str], count: int) -> None:
        self.samples += count
        self.own[frames[-1]] += count
        if IDLE in frames[-1]:
            self.idle += count
            return
        stack = ";".join(frames)
        for label, marker in ACROSS.items():
            if marker in stack:
                self.across[label] += count
        ours = [frame for frame in frames if frame.startswith(OURS) and not frame.startswith(ENTRY)]
        self.innermost_ours[ours[-1] if ours else OUTSIDE] += count
        for frame in set(ours):
            self.inclusive_ours[frame] += count

    def table(self, title: str, top: int = 20) -> str:
        lines = [f"# {title}: {self.samples} samples (100 per second)", ""]
        busy = self.samples - self.idle
        if self.idle:
            lines += [f"{self.idle} samples idle (waiting in epoll); shares below are of all.", ""]
        lines += [f"## across callers, share of the {busy} busy samples", ""]
        lines += [f"{100 * self.across[label] / busy:5.1f}%  {label}" for label in ACROSS]
        lines.append("")
        innermost = "the deepest caselog function on the stack, library calls included"
        for label, counts in (
            (innermost, self.innermost_ours),
            ("caselog functions with everything they call", self.inclusive_ours),
            ("the running function (any code)", self.own),
        ):
            lines += [f"## by {label}", ""]
            lines += [
                f"{100 * count / self.samples:5.1f}%  {frame}"
                for frame, count in counts.most_common(top)
            ]
            lines.append("")
        return "\n".join(lines)


def summarize(raw: Path) -> Summary:
    summary = Summary()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if stack and count_text.isdigit():
            summary.add([_frame(text) for text in stack.split(";")], int(count_text))
    return summary


def _frame(text: str) -> str:
    """`function (path/to/file.py:line)` -> `path/in/repo.py:function`, lines dropped so the
    same function counts once."""
    function, _, where = text.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/site-packages/", f"{REPO_ROOT}/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{function}"
