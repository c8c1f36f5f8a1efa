"""Which fields of a payload are ciphertext, and which of them a reveal turned into plaintext."""

from collections.abc import Iterator, Mapping
from typing import Any

from shared.crypto.codec import ERASED


def ciphertext_paths(value: Any, path: str = "") -> Iterator[str]:
    """Dotted paths (list items by index, as the codec names them) of every v1 ciphertext."""
    if isinstance(value, Mapping):
        if value.get("enc") == "v1":
            yield path
            return
        for key, item in value.items():
            yield from ciphertext_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from ciphertext_paths(item, f"{path}.{index}" if path else str(index))


def revealed_paths(stored: Mapping[str, Any], shown: Mapping[str, Any]) -> tuple[str, ...]:
    """The ciphertext paths of `stored` that `shown` holds in plaintext (not `[erased]`)."""
    return tuple(path for path in ciphertext_paths(stored) if _is_plaintext(_value_at(shown, path)))


def _value_at(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _is_plaintext(value: Any) -> bool:
    still_sealed = isinstance(value, Mapping) and value.get("enc") == "v1"
    return value is not None and value != ERASED and not still_sealed
