"""Which field classes each service may decrypt: the grants matrix, kept as data."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from shared.crypto.errors import FieldAccessDenied
from shared.crypto.fields import FieldClass

ALL_CLASSES = frozenset(FieldClass)

GRANTS: Mapping[str, frozenset[FieldClass]] = MappingProxyType(
    {
        "intake": ALL_CLASSES,
        "policy": frozenset({FieldClass.CONTENT}),  # decides on content, never on identity
        # Records keeps ciphertext; who may see plaintext is decided per request, by role.
        "records": frozenset(),
        "privacy": ALL_CLASSES,
    }
)


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is decrypting (named in denials and audit) and the classes granted to them."""

    name: str
    classes: frozenset[FieldClass]

    def require(self, wanted: Collection[FieldClass]) -> None:
        """FieldAccessDenied unless every class in `wanted` is granted."""
        refused = sorted(set(wanted) - self.classes)
        if refused:
            raise FieldAccessDenied(f"{self.name} may not read {', '.join(refused)} fields")


def reader_for(service: str) -> Reader:
    """The reader of a service; a service missing from the matrix is granted nothing."""
    return Reader(service, GRANTS.get(service, frozenset()))
