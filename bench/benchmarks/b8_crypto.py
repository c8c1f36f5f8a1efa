"""B8: µs to encrypt and to decrypt personal fields through FieldCodec (a 4-field model in two
field classes, the key store's cache hit), against raw AES-GCM with a fresh nonce.

Per field (the issue's figure, same baseline as ever: one raw AES-GCM operation per field) and
per event: the v2 format (decision 0031, one AES-GCM operation per field class) against v1
(one per field, as events before it are sealed) and against the raw operations v2 cannot avoid,
one per class over the class's joined plaintexts."""

import json
import os
import time
from collections.abc import Awaitable, Callable
from uuid import uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from bench.figures import Figure, Spread, Target
from bench.harness import Benchmark, Context
from bench.trials import Trial
from shared.crypto.ciphertext import FieldBinding
from shared.crypto.class_ciphertext import ClassBinding, open_class, parse_class, seal_class
from shared.crypto.codec import FieldCodec, encrypt_v1
from shared.crypto.data_key import DataKey, new_key_id, new_key_material
from shared.crypto.fields import Content, FieldClass, Identity
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
# The event's plaintexts by class, as v2 joins them: identity (3 fields), content (1).
IDENTITY_PLAINTEXTS = [
    json.dumps(value, ensure_ascii=False).encode()
    for value in (MODEL.name, MODEL.email, MODEL.phone)
]
CLASS_PLAINTEXTS = (b"".join(IDENTITY_PLAINTEXTS), json.dumps(MODEL.body).encode())
IDENTITY = ClassBinding(CASE, str(EVENT), FieldClass.IDENTITY, ["name", "email", "phone"])


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
    events = operations // FIELDS
    material = new_key_material()
    aead, key = AESGCM(material), DataKey(new_key_id(), material)
    aad = FieldBinding(CASE, EVENT, "customer.email").associated_data(key.kid)
    nonce = os.urandom(12)
    raw_sealed = aead.encrypt(nonce, PLAINTEXT, aad)
    raw_classes = [aead.encrypt(nonce, joined, aad) for joined in CLASS_PLAINTEXTS]
    sealed_identity = seal_class(key, IDENTITY_PLAINTEXTS, IDENTITY)
    codec = FieldCodec(CachedKey(key))
    v2 = await codec.encrypt(MODEL, case_id=CASE, event_id=EVENT)
    v1 = encrypt_v1(MODEL, key, case_id=CASE, event_id=EVENT)
    reader = reader_for("privacy")

    def timed(operation: Callable[[], Awaitable[object]], count: int) -> Trial:
        async def trial() -> float:
            started = time.perf_counter()
            for _ in range(count):
                await operation()
            return _per_op(started, count)

        return trial

    def loop(operation: Callable[[], object], count: int = operations) -> Trial:
        async def trial() -> float:
            started = time.perf_counter()
            for _ in range(count):
                operation()
            return _per_op(started, count)

        return trial

    async def encrypt_v1_event() -> object:
        return encrypt_v1(MODEL, key, case_id=CASE, event_id=EVENT)

    def raw_encrypt_classes() -> None:
        for joined in CLASS_PLAINTEXTS:
            aead.encrypt(os.urandom(12), joined, aad)

    def raw_decrypt_classes() -> None:
        for sealed in raw_classes:
            aead.decrypt(nonce, sealed, aad)

    def decrypt(payload: dict[str, object]) -> Callable[[], Awaitable[object]]:
        return lambda: codec.decrypt(payload, Customer, case_id=CASE, event_id=EVENT, reader=reader)

    trials = {
        "v2 encrypt": timed(lambda: codec.encrypt(MODEL, case_id=CASE, event_id=EVENT), events),
        "v2 decrypt": timed(decrypt(v2), events),
        "v1 encrypt": timed(encrypt_v1_event, events),
        "v1 decrypt": timed(decrypt(v1), events),
        "raw encrypt": loop(lambda: aead.encrypt(os.urandom(12), PLAINTEXT, aad)),
        "raw decrypt": loop(lambda: aead.decrypt(nonce, raw_sealed, aad)),
        "raw class encrypt": loop(raw_encrypt_classes, events),
        "raw class decrypt": loop(raw_decrypt_classes, events),
        "seal_class": loop(lambda: seal_class(key, IDENTITY_PLAINTEXTS, IDENTITY), events),
        "open_class": loop(
            lambda: open_class(key, parse_class(sealed_identity, IDENTITY), IDENTITY), events
        ),
    }
    for trial in trials.values():
        await trial()  # warm-up
    spreads = await context.repeat("B8 crypto", trials)
    parameters = {"field_bytes": len(PLAINTEXT), "operations": operations, "model_fields": FIELDS}
    per_field = {name: _divided(spreads[name], FIELDS) for name in ("v2 encrypt", "v2 decrypt")}
    event = f"one event ({FIELDS}-field model, 2 field classes)"
    return [
        Figure(
            "B8",
            f"encrypt one personal field (FieldCodec, {FIELDS}-field model)",
            "µs/field",
            False,
            per_field["v2 encrypt"],
            "raw AESGCM.encrypt, same bytes and AAD, fresh nonce",
            spreads["raw encrypt"],
            Target("<=", 2.0),
            parameters,
            (
                f"v1 on the same model: {spreads['v1 encrypt'].median / FIELDS:.2f} µs/field",
                f"seal_class() alone, 3 identity fields: {spreads['seal_class'].median:.2f} µs",
            ),
        ),
        Figure(
            "B8",
            f"decrypt one personal field (FieldCodec, {FIELDS}-field model)",
            "µs/field",
            False,
            per_field["v2 decrypt"],
            "raw AESGCM.decrypt, same bytes and AAD",
            spreads["raw decrypt"],
            Target("<=", 2.0),
            parameters,
            (
                f"v1 on the same model: {spreads['v1 decrypt'].median / FIELDS:.2f} µs/field",
                "parse_class() + open_class() alone, 3 identity fields:"
                f" {spreads['open_class'].median:.2f} µs",
            ),
        ),
        Figure(
            "B8",
            f"encrypt {event}: v2 vs v1",
            "µs/event",
            False,
            spreads["v2 encrypt"],
            "FieldCodec v1: one AES-GCM operation per field",
            spreads["v1 encrypt"],
            Target("<=", 1.0),  # the new format must not cost more than the old
            parameters,
        ),
        Figure(
            "B8",
            f"decrypt {event}: v2 vs v1",
            "µs/event",
            False,
            spreads["v2 decrypt"],
            "FieldCodec on the same event sealed in v1",
            spreads["v1 decrypt"],
            Target("<=", 1.0),
            parameters,
        ),
        Figure(
            "B8",
            f"encrypt {event}: v2 vs raw",
            "µs/event",
            False,
            spreads["v2 encrypt"],
            "raw AESGCM.encrypt once per class on its joined plaintexts, fresh nonce",
            spreads["raw class encrypt"],
            Target("<=", 2.0),  # issue 20's B8 aim, per event
            parameters,
        ),
        Figure(
            "B8",
            f"decrypt {event}: v2 vs raw",
            "µs/event",
            False,
            spreads["v2 decrypt"],
            "raw AESGCM.decrypt once per class",
            spreads["raw class decrypt"],
            Target("<=", 2.0),
            parameters,
        ),
    ]


def _divided(spread: Spread, by: int) -> Spread:
    return Spread(tuple(sample / by for sample in spread.samples))


def _per_op(started: float, operations: int) -> float:
    return (time.perf_counter() - started) / operations * 1e6


BENCHMARK = Benchmark("B8", "crypto: per personal field and per event", run)
