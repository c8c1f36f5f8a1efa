"""Counting the work a call does without a clock: every Python function call and line it runs,
through `sys.settrace`. Deterministic, so a test can say how work grows with input size."""

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def operations(call: Callable[[], object]) -> int:
    """The Python steps (calls and lines, in any module) `call()` executes. Work done inside C
    (str.find, sorted's comparisons, pydantic-core) is not seen: it is counted by the Python
    step that started it."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        nonlocal count
        count += 1
        return trace

    outer = sys.gettrace()  # Hypothesis or a debugger may be tracing: give it back after
    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(outer)
    return count
