"""A C2SP tlog-witness client: POST <witness>/add-checkpoint with the old size, the
consistency proof from it and the signed checkpoint; read the cosignature, or the size the
witness holds (409), or its refusal."""

from collections.abc import Sequence

import httpx

from services.records.domain.witnesses import (
    CosignatureGiven,
    Refused,
    SizeConflict,
    WitnessAnswer,
    WitnessIdentity,
)
from shared.merkle import encoding
from shared.merkle.cosignature import CosignatureVerifier
from shared.merkle.errors import MerkleError
from shared.settings import SettingsError

ADD_CHECKPOINT = "add-checkpoint"
TIMEOUT_S = 5.0
MAX_REASON = 200


class HttpWitness:
    """One configured witness, asked over HTTP(S) (a connection per checkpoint: they are rare)."""

    def __init__(self, identity: WitnessIdentity) -> None:
        self.identity = identity

    async def add_checkpoint(
        self, old_size: int, proof: Sequence[bytes], note: str
    ) -> WitnessAnswer:
        body = "".join(
            [f"old {old_size}\n", *(encoding.encode(h) + "\n" for h in proof), "\n", note]
        )
        url = self.identity.url.rstrip("/") + "/" + ADD_CHECKPOINT
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
                response = await client.post(url, content=body.encode())
        except httpx.HTTPError as error:
            return Refused(0, f"no answer: {type(error).__name__}")
        if response.status_code == httpx.codes.OK:
            lines = response.text.splitlines(keepends=True)
            return CosignatureGiven(tuple(line for line in lines if line.strip()))
        if response.status_code == httpx.codes.CONFLICT:
            try:
                return SizeConflict(int(response.text.strip()))
            except ValueError:
                return Refused(response.status_code, "409 without a tree size")
        # The witness's own words (it never sees personal data: a checkpoint holds none).
        return Refused(response.status_code, response.text.strip()[:MAX_REASON])


def configured_witnesses(entries: Sequence[str]) -> list[HttpWitness]:
    """The `records_witnesses` setting read: "<URL> <vkey>" each; a bad entry stops start-up,
    named by its place (the key is public, but the message need not repeat it)."""
    witnesses = []
    for place, entry in enumerate(entries, start=1):
        url, _, vkey = entry.strip().partition(" ")
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"records_witnesses entry {place}: give '<URL> <vkey>'")
        try:
            verifier = CosignatureVerifier.parse(vkey.strip())
        except MerkleError as error:
            raise SettingsError(f"records_witnesses entry {place}: {error}") from None
        witnesses.append(HttpWitness(WitnessIdentity(url, verifier)))
    return witnesses
