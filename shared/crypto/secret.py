"""Secret bytes (keys, peppers) that never show in a repr, a log line, an exception or a pickle."""

import hmac
from typing import NoReturn, final

REDACTED = "<redacted>"


@final
class SecretBytes:
    """Holds key material; `reveal()` is the only way out, so every use is easy to find."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = bytes(value)

    def reveal(self) -> bytes:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretBytes):
            return NotImplemented
        # Constant time: comparing keys must not leak how many leading bytes match.
        return hmac.compare_digest(self._value, other._value)

    __hash__ = None  # type: ignore[assignment]  # equal secrets must not become dict keys

    def __repr__(self) -> str:
        return f"SecretBytes({REDACTED})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        # Pickles end up in caches, queues and crash dumps.
        raise TypeError("secrets cannot be pickled")
