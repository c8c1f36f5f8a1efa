"""Cost of encrypting and decrypting one personal field, next to raw AES-GCM on the same bytes.

Run: .venv/bin/python bench/crypto_cost.py [operations-per-run] [runs]
"""

import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from uuid import uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from shared.crypto.ciphertext import FieldBinding, open_sealed, parse, seal
from shared.crypto.codec import FieldCodec
from shared.crypto.data_key import DataKey, new_key_id, new_key_material
from shared.crypto.fields import Content, Identity
from shared.crypto.grants import reader_for

CASE, EVENT = "case-bench", uuid4()
PLAINTEXT = json.dumps("taro@example.com").encode()


class Customer(BaseModel):
    name: Identity[str]
    email: Identity[str]
    phone: Identity[str]
    body: Content[str]


FIELDS_PER_MODEL = 4


class CachedKey:
    """The key store after its first read: every lookup is a cache hit."""

    def __init__(self, key: DataKey) -> None:
        self.key = key

    async def create_or_get(self, case_id: str) -> DataKey:
        return self.key

    async def get(self, case_id: str) -> DataKey:
        return self.key


def microseconds_per_op(run: Callable[[int], None], operations: int, runs: int) -> float:
    """Median over `runs` of the time of `operations` operations, per operation."""
    run(min(operations, 1000))  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run(operations)
        samples.append((time.perf_counter() - start) / operations * 1e6)
    return statistics.median(samples)


def main(operations: int, runs: int) -> None:
    material = new_key_material()
    aead, key = AESGCM(material), DataKey(new_key_id(), material)
    binding = FieldBinding(CASE, EVENT, "customer.email")
    aad, nonce = binding.associated_data(key.kid), os.urandom(12)
    raw_sealed = aead.encrypt(nonce, PLAINTEXT, aad)
    sealed = seal(key, PLAINTEXT, binding)
    codec = FieldCodec(CachedKey(key))
    model = Customer(
        name="山田 太郎", email="taro@example.com", phone="+819012345678", body="x" * 16
    )
    loop = asyncio.new_event_loop()
    payload = loop.run_until_complete(codec.encrypt(model, case_id=CASE, event_id=EVENT))
    reader = reader_for("privacy")

    def raw_encrypt(n: int) -> None:
        for _ in range(n):
            aead.encrypt(nonce, PLAINTEXT, aad)

    def raw_decrypt(n: int) -> None:
        for _ in range(n):
            aead.decrypt(nonce, raw_sealed, aad)

    def field_encrypt(n: int) -> None:
        for _ in range(n):
            seal(key, PLAINTEXT, binding)

    def field_decrypt(n: int) -> None:
        for _ in range(n):
            open_sealed(key, parse(sealed, "customer.email"), binding)

    async def encrypt_models(n: int) -> None:
        for _ in range(n // FIELDS_PER_MODEL):
            await codec.encrypt(model, case_id=CASE, event_id=EVENT)

    async def decrypt_models(n: int) -> None:
        for _ in range(n // FIELDS_PER_MODEL):
            await codec.decrypt(payload, Customer, case_id=CASE, event_id=EVENT, reader=reader)

    rows = [
        ("raw AESGCM (fixed nonce, same bytes)", raw_encrypt, raw_decrypt),
        ("seal / open_sealed (nonce, AAD, base64, object)", field_encrypt, field_decrypt),
        (
            f"FieldCodec, per field ({FIELDS_PER_MODEL}-field model)",
            lambda n: loop.run_until_complete(encrypt_models(n)),
            lambda n: loop.run_until_complete(decrypt_models(n)),
        ),
    ]
    print(f"{len(PLAINTEXT)}-byte field, median of {runs} runs x {operations} operations")
    print(f"{'':50} {'encrypt µs':>11} {'decrypt µs':>11}")
    for label, encrypt, decrypt in rows:
        enc = microseconds_per_op(encrypt, operations, runs)
        dec = microseconds_per_op(decrypt, operations, runs)
        print(f"{label:50} {enc:11.2f} {dec:11.2f}")
    loop.close()


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 20_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 5,
    )
