"""An erasure receipt bound to the records log: the binding proves, with the log's key pinned,
that each of the receipt's own subject.erased events is in the checkpoint; an older checkpoint,
a proof for another leaf, a tampered path or another request's events fail, and say what."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from services.privacy.adapters.signing import verify_receipt
from services.privacy.bootstrap import Privacy
from services.privacy.domain.errors import ReceiptVerificationError
from services.privacy.domain.log_binding import binding_mismatch
from services.privacy.domain.requests import Regime
from services.privacy.entrypoints.http import create_app
from services.privacy.service_layer.messages import EraseSubject, Identities
from services.runtime.cli import main
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bundle.log_binding import LogBinding, ProvedLeaf
from shared.bus.memory import MemoryBus
from shared.database import create_engine
from shared.envelope import Envelope, encode_envelope
from shared.infrastructure import Infrastructure
from shared.merkle import encoding
from shared.merkle.checkpoint import Checkpoint, sign_checkpoint
from shared.merkle.cosignature import CosignatureSigner
from shared.merkle.keys import NoteSigner
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree
from shared.settings import CaselogSettings
from tests.unit.privacy.conftest import RecordingBus, received
from tests.unit.privacy.samples import PHONE

ORIGIN = "records.test/log"
LOG = NoteSigner.generate(ORIGIN)
LOG_KEY = LOG.verifier.key_string()
ERASE = EraseSubject(Identities(phone=PHONE), Regime.GDPR, "officer-1", reference="DSR-19")
BEFORE = 5  # events in the log before the erasure's
WITNESSES = {name: CosignatureSigner.generate(name) for name in ("witness.a", "witness.b")}


@dataclass
class Logged:
    """The records log as a test holds it: every leaf, and the tree over them."""

    leaves: list[bytes]
    tree: MerkleTree

    def binding(
        self, event_ids: list[str], size: int | None = None, cosigned_by: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """What records serves: the checkpoint of `size` (default: all), cosigned by the
        witnesses named, and each event's proof in the whole tree (so a smaller checkpoint is
        one taken before the events)."""
        signed_size = self.tree.size if size is None else size
        checkpoint = Checkpoint(ORIGIN, signed_size, self.tree.root(signed_size))
        note = sign_checkpoint(checkpoint, [LOG])
        note += "".join(WITNESSES[name].signature_line(checkpoint.body()) for name in cosigned_by)
        index = {str(_decoded(leaf).event_id): i for i, leaf in enumerate(self.leaves)}
        proved = [self.leaf(index[event_id]) for event_id in event_ids]
        return LogBinding(
            origin=ORIGIN,
            verifier_key=LOG_KEY,
            checkpoint=note,
            tree_size=signed_size,
            leaves=proved,
        ).model_dump(mode="json")

    def leaf(self, index: int) -> ProvedLeaf:
        leaf = self.leaves[index]
        return ProvedLeaf(
            event_id=str(_decoded(leaf).event_id),
            leaf_index=index,
            leaf=encoding.encode(leaf),
            leaf_hash=encoding.encode(self.tree.leaf_hash(index)),
            inclusion_proof=[encoding.encode(h) for h in self.tree.inclusion_proof(index)],
        )


def _decoded(leaf: bytes) -> Envelope:
    return Envelope.model_validate_json(leaf)


def _filler(number: int) -> bytes:
    return encode_envelope(
        Envelope(
            type="consultation.received",
            schema_version=1,
            case_id=f"other-case-{number}",
            occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
            producer="intake",
            correlation_id=f"c-{number}",
        )
    )


@pytest.fixture
async def erased(privacy: Privacy, bus: RecordingBus) -> tuple[dict[str, Any], Logged]:
    """A receipt file for a subject with two cases, and a log that holds its events after
    BEFORE others, then one more."""
    await received(privacy)
    await received(privacy, closed_at=None)
    document = json.loads((await privacy.handle(ERASE)).model_dump_json())
    ours = [encode_envelope(e) for e in bus.envelopes("subject.erased")]
    leaves = [*(_filler(n) for n in range(BEFORE)), *ours, _filler(BEFORE)]
    tree = MerkleTree(InMemoryNodeStore())
    tree.extend(leaves)
    return document, Logged(leaves, tree)


def _check(document: dict[str, Any], binding: dict[str, Any] | None) -> int | None:
    bound = {**document, "log_binding": binding}
    return verify_receipt(
        json.dumps(bound), document["verifier_key"], LOG_KEY, require_binding=True
    ).bound_at


def _failure(document: dict[str, Any], binding: dict[str, Any] | None) -> str:
    with pytest.raises(ReceiptVerificationError) as failed:
        _check(document, binding)
    return str(failed.value)


def _verify_command(document: dict[str, Any], folder: Path) -> tuple[list[str], Path]:
    """`caselog verify-receipt` of the receipt file with both keys pinned, and the path of
    the binding file it reads (the test writes it)."""
    receipt, binding = folder / "receipt.json", folder / "binding.json"
    receipt.write_text(json.dumps(document))
    command = ["verify-receipt", str(receipt), "--key", document["verifier_key"]]
    return [*command, "--records-key", LOG_KEY, "--binding", str(binding)], binding


def _event_ids(document: dict[str, Any]) -> list[str]:
    return list(document["receipt"]["event_ids"])


async def test_a_binding_of_the_receipts_own_events_verifies_at_its_checkpoint(
    erased: tuple[dict[str, Any], Logged],
) -> None:
    document, log = erased
    assert len(_event_ids(document)) == 2

    assert _check(document, log.binding(_event_ids(document))) == BEFORE + 3


async def test_a_checkpoint_taken_before_the_erasure_fails(
    erased: tuple[dict[str, Any], Logged],
) -> None:
    document, log = erased

    reason = _failure(document, log.binding(_event_ids(document), size=BEFORE))

    assert reason.startswith(f"log binding: event {_event_ids(document)[0]} (leaf {BEFORE})")
    assert f"not in the checkpoint of size {BEFORE}" in reason


async def test_a_proof_of_another_leaf_fails(erased: tuple[dict[str, Any], Logged]) -> None:
    document, log = erased
    binding = log.binding(_event_ids(document))
    other = log.leaf(0).model_dump(mode="json")

    # Another event's valid proof under our event's id: its bytes name the other event.
    binding["leaves"][0] = {**other, "event_id": _event_ids(document)[0]}
    assert "its bytes are event" in _failure(document, binding)
    # Under its own id: proved, but not an event of this receipt.
    binding["leaves"][0] = other
    reason = _failure(document, binding)
    assert f"event {_event_ids(document)[0]} of the receipt is not proved" in reason


async def test_a_tampered_proof_fails(erased: tuple[dict[str, Any], Logged]) -> None:
    document, log = erased
    binding = log.binding(_event_ids(document))
    path = binding["leaves"][1]["inclusion_proof"]
    first = bytearray(encoding.decode(path[0]))
    first[0] ^= 1
    path[0] = encoding.encode(bytes(first))

    reason = _failure(document, binding)

    assert f"event {_event_ids(document)[1]}" in reason
    assert "does not lead to the expected root hash" in reason


async def test_a_binding_needs_the_log_key_pinned_and_a_bound_receipt_needs_a_binding(
    erased: tuple[dict[str, Any], Logged],
) -> None:
    document, log = erased
    binding = log.binding(_event_ids(document))
    forger = NoteSigner.generate(ORIGIN)
    forged = {**binding, "checkpoint": sign_checkpoint(Checkpoint(ORIGIN, 8, bytes(32)), [forger])}

    assert _failure(document, forged).startswith("log binding: checkpoint:")
    assert _failure(document, None).startswith("log binding: the file has none")
    bound = json.dumps({**document, "log_binding": binding})
    with pytest.raises(ReceiptVerificationError, match="pass the records log key"):
        verify_receipt(bound, require_binding=True)
    unchecked = verify_receipt(bound)  # as the bound checkpoint's signature: said, not proved
    assert (unchecked.bound_at, unchecked.binding_unchecked) == (None, True)


async def test_verify_receipt_bound_names_the_checkpoint_or_what_failed(
    erased: tuple[dict[str, Any], Logged], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document, log = erased
    command, binding = _verify_command(document, tmp_path)
    command.append("--bound")

    binding.write_text(json.dumps(log.binding(_event_ids(document))))
    with pytest.raises(SystemExit) as good:
        main(command)
    assert good.value.code == 0
    assert f"bound to the log at checkpoint {BEFORE + 3}" in capsys.readouterr().out

    binding.write_text(json.dumps(log.binding(_event_ids(document), size=BEFORE)))
    with pytest.raises(SystemExit) as bad:
        main(command)
    assert bad.value.code == 1
    assert f"not in the checkpoint of size {BEFORE}" in capsys.readouterr().out


@pytest.mark.parametrize("pinned", [True, False], ids=["records-key-pinned", "no-records-key"])
async def test_privacys_verify_route_checks_a_binding_only_with_the_records_key_pinned(
    erased: tuple[dict[str, Any], Logged],
    settings: CaselogSettings,
    tmp_path: Path,
    pinned: bool,
) -> None:
    document, log = erased
    configured = settings.model_copy(
        update={
            "auth_dev_keys_dir": tmp_path / "auth",
            "privacy_records_log_key": LOG_KEY if pinned else None,
        }
    )
    token = development_issuer(tmp_path / "auth").token("o-1", [Role.PRIVACY_OFFICER], "caselog")
    app = create_app(configured, Infrastructure(configured, MemoryBus(), create_engine(configured)))
    good = {**document, "log_binding": log.binding(_event_ids(document))}
    stale = {**document, "log_binding": log.binding(_event_ids(document), size=BEFORE)}
    async with (
        app.router.lifespan_context(app),
        AsyncClient(
            transport=ASGITransport(app),
            base_url="http://privacy",
            headers={"Authorization": f"Bearer {token}"},
        ) as http,
    ):
        answers = [(await http.post("/v1/receipts/verify", json=f)).json() for f in (good, stale)]

    if pinned:
        assert [(a["verified"], a["bound_at"]) for a in answers] == [
            (True, BEFORE + 3),
            (False, None),
        ]
        assert f"not in the checkpoint of size {BEFORE}" in answers[1]["problem"]
    else:  # left unchecked: the receipt verifies, and is not shown bound
        assert [(a["verified"], a["bound_at"]) for a in answers] == [(True, None), (True, None)]


async def test_with_witnesses_the_bound_checkpoint_needs_their_cosignatures(
    erased: tuple[dict[str, Any], Logged], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document, log = erased
    command, binding = _verify_command(document, tmp_path)
    for witness in WITNESSES.values():
        command += ["--witness", witness.verifier.key_string()]

    binding.write_text(json.dumps(log.binding(_event_ids(document), cosigned_by=("witness.a",))))
    with pytest.raises(SystemExit) as one_of_two:
        main(command)
    assert one_of_two.value.code == 1
    said = capsys.readouterr().out
    assert "FAILED: log binding: witnesses: 1 of the witnesses you trust cosigned" in said
    assert "no cosignature by witness.b" in said

    with pytest.raises(SystemExit) as quorum_of_one:
        main([*command, "--quorum", "1"])
    assert quorum_of_one.value.code == 0
    assert "cosigned by the witnesses witness.a" in capsys.readouterr().out


async def test_a_proved_event_that_is_not_this_erasures_is_named(
    erased: tuple[dict[str, Any], Logged],
) -> None:
    """The tie itself (a log never holds two events of one id; this is what a verifier
    checks if one claimed to)."""
    document, log = erased
    receipt = verify_receipt(json.dumps(document)).receipt
    first = receipt.event_ids[0]
    proved = {
        str(e.event_id): (BEFORE + i, e) for i, e in enumerate(map(_decoded, log.leaves[BEFORE:-1]))
    }
    index, ours = proved[first]

    def changed(**fields: Any) -> str | None:
        return binding_mismatch(receipt, {**proved, first: (index, ours.model_copy(update=fields))})

    assert binding_mismatch(receipt, proved) is None
    other_request = {**ours.payload, "request_id": "erasure-other"}
    assert (
        changed(payload=other_request)
        == f"event {first} (leaf {index}) belongs to another erasure request"
    )
    assert "which the receipt did not erase" in (changed(case_id="case-never-erased") or "")
    assert "a subject the receipt does not name" in (changed(subject_id="subject-other") or "")
    assert "not subject.erased" in (changed(type="case.anonymized") or "")
