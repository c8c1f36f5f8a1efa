"""The litigation bundle: one JSON file holding a case's events exactly as stored and everything
an outsider needs to check them offline (proofs, signed checkpoint, public key)."""

from typing import Literal

from pydantic import AwareDatetime, Field, JsonValue, ValidationError

from shared.errors import CaselogError
from shared.frozen import FrozenModel
from shared.merkle import encoding
from shared.merkle.case_map import MapEntry
from shared.validation import summarize

BUNDLE_FORMAT: Literal["caselog.bundle.v1"] = "caselog.bundle.v1"
Base64 = str
"""Standard base64 (RFC 4648 §4), as the C2SP formats use it."""


class BundleFormatError(CaselogError):
    """A file that is not a litigation bundle of a format this verifier knows."""


class BundleEvent(FrozenModel):
    """One event: its stored bytes (the Merkle leaf), its chain link and its audit path."""

    event_id: str
    leaf_index: int = Field(ge=0)
    case_position: int = Field(ge=0)
    leaf: Base64 = Field(description="the canonical envelope bytes that were hashed")
    prev_hash: Base64
    chain_hash: Base64
    inclusion_proof: list[Base64] = Field(description="RFC 9162 audit path at `tree_size`")


class BundleConsistency(FrozenModel):
    """Proof that the bundle's tree extends an older checkpoint (one the recipient holds)."""

    checkpoint: str = Field(description="the older signed checkpoint note")
    proof: list[Base64]


class BundleCaseMap(FrozenModel):
    """The case's entry in the log's case map at the bundle's tree size
    (shared.merkle.case_map): how many events the case had then and its chain head, proved
    against the map root that the log's key signed beside the checkpoint."""

    statement: str = Field(description="the signed case map note for the bundle's checkpoint")
    events: int = Field(ge=1, description="the case's event count in the map")
    head: Base64 = Field(description="the chain hash of the case's last event in the map")
    index: int = Field(ge=0, description="the case's leaf index in the map")
    proof: list[Base64] = Field(description="RFC 9162 audit path of that leaf in the map")

    @classmethod
    def of(cls, statement: str, entry: MapEntry) -> "BundleCaseMap":
        return cls(
            statement=statement,
            events=entry.case.events,
            head=encoding.encode(entry.case.head),
            index=entry.index,
            proof=[encoding.encode(item) for item in entry.path],
        )


class RevealedEvent(FrozenModel):
    """An event's payload with its personal fields in plaintext (or `[erased]`), and per
    revealed field the salt of its commitment in `Bundle.reveal_commitments`."""

    event_id: str
    payload: dict[str, JsonValue]
    revealed_fields: list[str]
    salts: dict[str, Base64] = Field(
        default_factory=dict, description="field path -> the random salt of its commitment"
    )


class Bundle(FrozenModel):
    """`caselog verify` checks everything here; a revealed plaintext is checked against the
    commitment the log's key signed when it was exported (shared.bundle.reveal), which binds
    records' word to the text, not a proof that the ciphertext decrypts to it."""

    format: Literal["caselog.bundle.v1"] = BUNDLE_FORMAT
    case_id: str
    origin: str
    generated_at: AwareDatetime
    verifier_key: str = Field(description="the log's public key, C2SP note verifier-key form")
    checkpoint: str = Field(description="the signed checkpoint note covering every event")
    tree_size: int = Field(ge=0)
    events: list[BundleEvent]
    consistency: BundleConsistency | None = None
    case_map: BundleCaseMap | None = Field(
        default=None, description="proves the events are all the case had (absent: not proved)"
    )
    revealed: list[RevealedEvent] | None = None
    access_event_id: str | None = Field(
        default=None, description="the access.recorded event of the reveal, if any"
    )
    reveal_commitments: str | None = Field(
        default=None,
        description="a signed note by the log's key committing to each revealed plaintext",
    )


def encode_bundle(bundle: Bundle) -> bytes:
    return bundle.model_dump_json(indent=2).encode("utf-8")


def parse_bundle(data: bytes) -> Bundle:
    """BundleFormatError names the fields that are wrong (never their values)."""
    try:
        return Bundle.model_validate_json(data)
    except ValidationError as error:
        raise BundleFormatError(f"not a {BUNDLE_FORMAT} file: {summarize(error)}") from None
