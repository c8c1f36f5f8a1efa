"""The progress bar of a run on stderr (rich): which benchmark and repetition runs, and how far."""

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

Status = Callable[[str], None]
Advance = Callable[[object], None]


@contextlib.contextmanager
def progress_bar(enabled: bool, total: int) -> Iterator[tuple[Status, Advance]]:
    """Yields (set the status line, count one benchmark done)."""
    if not enabled:
        yield (lambda _: None), (lambda _: None)
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("starting", total=total)
        yield (
            lambda text: bar.update(task, description=text),
            lambda _: bar.advance(task),
        )
