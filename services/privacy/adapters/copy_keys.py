"""Business-copy keys: each anonymized copy version sealed (AES-256-GCM) under a data key of
its own in the key store, in the slot `business-copy:<copy_id>:v<version>`.

Kept in the key store beside the case keys, so a business-copy key is wrapped under the KEK
of the current epoch and retired by every epoch close like a case key; destroying it leaves a
tombstone, and every stored, logged or backed-up byte of that version unreadable.
"""

import json

from services.privacy.domain.copies import AnonymizedCopy, copy_digest
from services.privacy.service_layer.changes import SealedCopy
from shared.crypto.ciphertext import FieldBinding, open_sealed, parse, seal
from shared.crypto.key_store import KeyStore

SLOT_PREFIX = "business-copy"
# Bound into the ciphertext: a sealed copy opens only as the version and copy it was.
_FIELD = "anonymized_copy"


def key_slot(copy_id: str, version: int) -> str:
    return f"{SLOT_PREFIX}:{copy_id}:v{version}"


class SealedCopies:
    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    async def seal(self, copy: AnonymizedCopy, version: int) -> SealedCopy:
        slot = key_slot(copy.copy_id, version)
        key = await self._keys.create_or_get(slot)
        plaintext = copy.model_dump_json().encode()
        sealed = seal(key, plaintext, _binding(slot, copy.copy_id))
        return SealedCopy(copy.copy_id, version, slot, copy_digest(copy), json.dumps(sealed))

    async def open(self, sealed: SealedCopy) -> AnonymizedCopy:
        key = await self._keys.get(sealed.key_slot)
        ciphertext = parse(json.loads(sealed.sealed), _FIELD)
        plaintext = open_sealed(key, ciphertext, _binding(sealed.key_slot, sealed.copy_id))
        return AnonymizedCopy.model_validate_json(plaintext)

    async def destroy(self, sealed: SealedCopy, *, actor: str, reason: str) -> None:
        await self._keys.destroy(sealed.key_slot, actor=actor, reason=reason)


def _binding(slot: str, copy_id: str) -> FieldBinding:
    return FieldBinding(case_id=slot, event_id=copy_id, path=_FIELD)
