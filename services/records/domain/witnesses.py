"""Witnesses of the log (C2SP tlog-witness): who they are, and what one answers when records
asks it to cosign a checkpoint."""

from dataclasses import dataclass

from shared.merkle.cosignature import CosignatureVerifier


@dataclass(frozen=True)
class WitnessIdentity:
    """Where a witness listens and the key it cosigns with (the one verifiers will trust)."""

    url: str
    verifier: CosignatureVerifier

    @property
    def key_name(self) -> str:
        """Name and hex key ID: what the cosignatures table stores as `witness`."""
        return f"{self.verifier.name}+{self.verifier.key_id:08x}"


@dataclass(frozen=True)
class CosignatureGiven:
    """200: the witness's signature lines over the checkpoint."""

    signature_lines: tuple[str, ...]


@dataclass(frozen=True)
class SizeConflict:
    """409: the witness holds another size for the log; the next request proves from it."""

    known_size: int


@dataclass(frozen=True)
class Refused:
    """Any other answer: 403 unknown log or bad log signature, 422 inconsistent (a fork),
    400 malformed, or no answer at all (status 0)."""

    status: int
    reason: str


WitnessAnswer = CosignatureGiven | SizeConflict | Refused
