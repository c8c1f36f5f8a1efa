"""Repetitions: caselog and its baselines measured in turn, so drift on the machine hits both."""

from collections.abc import Awaitable, Callable, Mapping

from bench.figures import Spread, spread

Trial = Callable[[], Awaitable[float]]
"""One measurement: returns the figure of one repetition (a rate, or a time)."""


async def alternate(
    repetitions: int,
    trials: Mapping[str, Trial],
    on_repetition: Callable[[int], None] = lambda _: None,
) -> dict[str, Spread]:
    """Runs every trial once per repetition, reversing their order every other repetition."""
    samples: dict[str, list[float]] = {name: [] for name in trials}
    order = list(trials)
    for repetition in range(repetitions):
        on_repetition(repetition)
        for name in order if repetition % 2 == 0 else reversed(order):
            samples[name].append(await trials[name]())
    return {name: spread(values) for name, values in samples.items()}
