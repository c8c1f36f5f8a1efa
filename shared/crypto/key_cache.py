"""The key store's in-process cache of unwrapped DEKs, which a destroy always wins against."""

from collections.abc import Sequence

from cachetools import TTLCache

from shared.crypto.data_key import DataKey


class KeyCache:
    """Unwrapped DEKs by case, for `ttl_s` at most.

    A read takes `generation` before it goes to the database and hands it back to
    `remember`: a destroy since then bumped it, so that read's key is not cached.
    """

    def __init__(self, *, size: int, ttl_s: float) -> None:
        self._keys: TTLCache[str, DataKey] = TTLCache(maxsize=size, ttl=ttl_s)
        # Bumped by every destroy: a read that began before it must not cache its key.
        self._destroys = 0

    @property
    def generation(self) -> int:
        return self._destroys

    def get(self, case_id: str) -> DataKey | None:
        return self._keys.get(case_id)

    def remember(self, case_id: str, key: DataKey, generation: int) -> None:
        # A destroy since the read began must win: its key is not cached.
        if generation == self._destroys:
            self._keys[case_id] = key

    def clear(self) -> None:
        self._destroys += 1
        self._keys.clear()

    def evict_all(self, case_ids: Sequence[str]) -> None:
        self._destroys += 1
        for case_id in case_ids:
            self._keys.pop(case_id, None)
