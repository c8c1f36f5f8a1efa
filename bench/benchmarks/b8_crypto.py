"""B8: µs to encrypt and to decrypt one personal field through FieldCodec (a 4-field model,
the key store's cache hit), against raw AES-GCM on the same bytes with a fresh nonce."""

import json
import os
import time
from collections.abc import Callable
from uuid import uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.trials import Trial
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


FIELDS = 4
MODEL = Customer(name="山田 太郎", email="taro@example.com", phone="+819012345678", body="x" * 16)


class CachedKey:
    """The key store after its first read: every lookup is a cache hit."""

    def __init__(self, key: DataKey) -> None:
        self.key = key

    async def create_or_get(self, case_id: str) -> DataKey:
        return self.key

    async def get(self, case_id: str) -> DataKey:
        return self.key


async def run(context: Context) -> list[Figure]:
    operations = context.pick(4_000, 40_000)
    material = new_key_material()
    aead, key = AESGCM(material), DataKey(new_key_id(), material)
    binding = FieldBinding(CASE, EVENT, "customer.email")
    aad = binding.associated_data(key.kid)
    nonce = os.urandom(12)
    raw_sealed = aead.encrypt(nonce, PLAINTEXT, aad)
    sealed = seal(key, PLAINTEXT, binding)
    codec = FieldCodec(CachedKey(key))
    payload = await codec.encrypt(MODEL, case_id=CASE, event_id=EVENT)
    reader = reader_for("privacy")

    async def codec_encrypt() -> float:
        started = time.perf_counter()
        for _ in range(operations // FIELDS):
            await codec.encrypt(MODEL, case_id=CASE, event_id=EVENT)
        return _per_op(started, operations)

    async def codec_decrypt() -> float:
        started = time.perf_counter()
        for _ in range(operations // FIELDS):
            await codec.decrypt(payload, Customer, case_id=CASE, event_id=EVENT, reader=reader)
        return _per_op(started, operations)

    def loop(operation: Callable[[], object]) -> Trial:
        async def timed() -> float:
            started = time.perf_counter()
            for _ in range(operations):
                operation()
            return _per_op(started, operations)

        return timed

    trials = {
        "codec encrypt": codec_encrypt,
        "codec decrypt": codec_decrypt,
        "raw encrypt": loop(lambda: aead.encrypt(os.urandom(12), PLAINTEXT, aad)),
        "raw decrypt": loop(lambda: aead.decrypt(nonce, raw_sealed, aad)),
        "seal": loop(lambda: seal(key, PLAINTEXT, binding)),
        "open": loop(lambda: open_sealed(key, parse(sealed, "customer.email"), binding)),
    }
    for trial in trials.values():
        await trial()  # warm-up
    spreads = await context.repeat("B8 crypto", trials)
    parameters = {"field_bytes": len(PLAINTEXT), "operations": operations, "model_fields": FIELDS}
    return [
        Figure(
            "B8",
            f"encrypt one personal field (FieldCodec, {FIELDS}-field model)",
            "µs/field",
            False,
            spreads["codec encrypt"],
            "raw AESGCM.encrypt, same bytes and AAD, fresh nonce",
            spreads["raw encrypt"],
            Target("<=", 2.0),
            parameters,
            (f"seal() alone: {spreads['seal'].median:.2f} µs (nonce, AAD, base64, object)",),
        ),
        Figure(
            "B8",
            f"decrypt one personal field (FieldCodec, {FIELDS}-field model)",
            "µs/field",
            False,
            spreads["codec decrypt"],
            "raw AESGCM.decrypt, same bytes and AAD",
            spreads["raw decrypt"],
            Target("<=", 2.0),
            parameters,
            (f"parse() + open_sealed() alone: {spreads['open'].median:.2f} µs",),
        ),
    ]


def _per_op(started: float, operations: int) -> float:
    return (time.perf_counter() - started) / operations * 1e6


BENCHMARK = Benchmark("B8", "crypto: per personal field", run)
