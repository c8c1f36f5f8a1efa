"""An in-memory key source for codec tests: one DEK per case in a dict."""

from collections.abc import Collection

from shared.crypto.data_key import DataKey, new_key_id, new_key_material
from shared.crypto.errors import KeyDestroyedError, KeyNotFoundError


class FakeKeys:
    """One DEK per case in a dict; `destroy` drops it and remembers the case."""

    def __init__(self) -> None:
        self.keys: dict[str, DataKey] = {}
        self.destroyed: set[str] = set()
        # What a consumer asked the cache to drop: cases, and how often everything.
        self.evicted: list[str] = []
        self.emptied = 0
        self.prefetched: list[set[str]] = []

    async def create_or_get(self, case_id: str) -> DataKey:
        if case_id in self.destroyed:
            raise KeyDestroyedError(case_id)
        return self.keys.setdefault(case_id, DataKey(new_key_id(), new_key_material()))

    async def get(self, case_id: str) -> DataKey:
        if case_id in self.destroyed:
            raise KeyDestroyedError(case_id)
        if case_id not in self.keys:
            raise KeyNotFoundError(case_id)
        return self.keys[case_id]

    def destroy(self, case_id: str) -> None:
        self.keys.pop(case_id, None)
        self.destroyed.add(case_id)

    def evict(self, case_id: str) -> None:
        self.evicted.append(case_id)

    def forget_cached_keys(self) -> None:
        self.emptied += 1

    async def prefetch(self, case_ids: Collection[str]) -> None:
        self.prefetched.append(set(case_ids))
