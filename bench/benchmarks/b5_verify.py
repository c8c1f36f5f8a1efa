"""B5: leaves/s for a whole-store verify (audit_store: every row read and checked, case chains,
the Merkle tree, a signed checkpoint) and inclusion proofs/s (served by the store, verified),
against hashlib.sha256 over the same leaf bytes."""

import hashlib
import random
import time
from dataclasses import dataclass

from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.records import append_all, new_store, records_database
from bench.workload import EVENT_BYTES, interleaved_events
from services.records.service_layer.audit import audit_store, verify_store
from services.records.service_layer.checkpoints import CheckpointIssuer
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteSigner
from shared.merkle.verify import verify_inclusion

ORIGIN = "bench.caselog.example/records"


@dataclass(frozen=True)
class Size:
    cases: int
    per_case: int
    proofs: int


QUICK, FULL = Size(cases=10, per_case=100, proofs=30), Size(cases=200, per_case=100, proofs=500)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    signer = NoteSigner.generate(ORIGIN)
    verifiers = [signer.verifier]
    async with records_database(context.infrastructure) as (_, engine):
        context.report_status("B5 filling the store")
        store, _ = await new_store(engine)
        await append_all(store, interleaved_events(size.cases, size.per_case))
        await CheckpointIssuer(store, signer, origin=ORIGIN).issue()
        events, leaves = await store.events(), await store.leaf_hashes()
        checkpoints, tree_size = await store.checkpoints(), await store.size()
        root = await store.root(tree_size)
        sample = random.Random(9).sample(events, size.proofs)  # noqa: S311 - not security
        proofs = [await store.inclusion_proof(event.event_id, tree_size) for event in sample]

        async def verify_log() -> float:
            started = time.perf_counter()
            report = await audit_store(store, verifiers, origin=ORIGIN)
            elapsed = time.perf_counter() - started
            if not report.ok or report.events != tree_size:
                raise RuntimeError(f"the benchmark store does not verify: {report.first}")
            return tree_size / elapsed

        async def verify_in_memory() -> float:
            started = time.perf_counter()
            verify_store(events, leaves, checkpoints, verifiers, origin=ORIGIN, size=tree_size)
            return tree_size / (time.perf_counter() - started)

        async def hash_leaves() -> float:
            started = time.perf_counter()
            for event in events:
                hashlib.sha256(event.leaf).digest()
            return tree_size / (time.perf_counter() - started)

        async def serve_and_verify() -> float:
            started = time.perf_counter()
            for event in sample:
                proof = await store.inclusion_proof(event.event_id, tree_size)
                verify_inclusion(leaf_hash(event.leaf), proof.index, tree_size, proof.hashes, root)
            return len(sample) / (time.perf_counter() - started)

        async def verify_proofs_only() -> float:
            started = time.perf_counter()
            for event, proof in zip(sample, proofs, strict=True):
                verify_inclusion(leaf_hash(event.leaf), proof.index, tree_size, proof.hashes, root)
            return len(sample) / (time.perf_counter() - started)

        async def hash_proof_bytes() -> float:
            started = time.perf_counter()
            for event, proof in zip(sample, proofs, strict=True):
                running = hashlib.sha256(b"\x00" + event.leaf).digest()
                for sibling in proof.hashes:
                    running = hashlib.sha256(b"\x01" + sibling + running).digest()
            return len(sample) / (time.perf_counter() - started)

        spreads = await context.repeat(
            "B5 verify",
            {
                "verify-log": verify_log,
                "verify in memory": verify_in_memory,
                "sha256 leaves": hash_leaves,
                "proofs": serve_and_verify,
                "proofs in memory": verify_proofs_only,
                "sha256 proofs": hash_proof_bytes,
            },
        )
    depth = sum(len(proof.hashes) for proof in proofs) / len(proofs)
    return [
        Figure(
            "B5",
            "verify the whole store (audit_store, as caselog verify-log)",
            "leaves/s",
            True,
            spreads["verify-log"],
            "hashlib.sha256 over the same leaf bytes",
            spreads["sha256 leaves"],
            Target(">=", 0.5),
            {"events": tree_size, "cases": size.cases, "event_bytes": EVENT_BYTES},
            (
                "B5 verify: verify_store alone on rows already read (no I/O): "
                f"{spreads['verify in memory'].median:,.0f} leaves/s",
            ),
        ),
        Figure(
            "B5",
            "inclusion proofs: served by the store and verified",
            "proofs/s",
            True,
            spreads["proofs"],
            "hashlib.sha256 over the same leaf bytes + one hash per audit-path step",
            spreads["sha256 proofs"],
            Target(">=", 0.5),
            {"events": tree_size, "proofs": len(sample), "audit_path": f"{depth:.1f} hashes"},
            (
                "B5 proofs: verify_inclusion alone on proofs already served: "
                f"{spreads['proofs in memory'].median:,.0f} proofs/s",
            ),
        ),
    ]


BENCHMARK = Benchmark("B5", "verify: whole store and proofs", run)
