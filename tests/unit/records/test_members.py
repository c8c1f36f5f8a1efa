"""Supervised consumer members: one that fails is replaced; all stop together when asked."""

import asyncio

from shared.bus.interface import Consumer
from shared.bus.runner import supervised


class Member(Consumer):
    """Fails at once if told to, else runs until stopped."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.stopped = asyncio.Event()

    async def run(self) -> None:
        if self.fail:
            raise RuntimeError("commit refused during a rebalance")
        await self.stopped.wait()

    def request_stop(self) -> None:
        self.stopped.set()

    @property
    def assignment(self) -> frozenset[tuple[str, int]]:
        return frozenset()

    async def wait_assigned(self, timeout_s: float) -> frozenset[tuple[str, int]]:
        return frozenset()


async def test_a_failed_member_is_replaced_and_all_stop_together() -> None:
    made: list[Member] = []

    def subscribe() -> Consumer:
        made.append(Member(fail=len(made) == 0))
        return made[-1]

    async with supervised(subscribe, count=2, restart_delay_s=0.01):
        async with asyncio.timeout(5):
            while len(made) < 3:  # noqa: ASYNC110 - the supervisor signals nothing else
                await asyncio.sleep(0.01)

    assert [m.fail for m in made] == [True, False, False]
    assert all(m.stopped.is_set() for m in made[1:])
