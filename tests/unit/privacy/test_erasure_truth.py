"""Erasure that says only what is true (issue 13 item 4, 6; issue 14 findings 13, 14, 16, 17):
strict identities, no receipt for nothing, a preview that changes nothing, one person over
linked subjects, receipts pending until their key epoch closes and bound to the records
checkpoint that includes their events, and a verifier that does not pass a forger's key."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.intake.adapters.case_keys import KeyStoreCases
from services.privacy.adapters.signing import NoteReceiptSigner, verify_receipt
from services.privacy.bootstrap import Privacy
from services.privacy.domain.errors import (
    InvalidRequestError,
    NoMatchError,
    ReceiptVerificationError,
)
from services.privacy.domain.events import SUBJECT_ERASED
from services.privacy.domain.receipt import ErasureReceipt, ErasureState
from services.privacy.domain.requests import Regime, RequestKind, RequestStatus
from services.privacy.entrypoints.consumer import consume
from services.privacy.service_layer.messages import (
    EraseSubject,
    ExportAccess,
    Identities,
    PreviewErasure,
    ReceiptFile,
    RegisterAccess,
    SubjectErasures,
)
from services.records.domain.acknowledgements import acknowledgements
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Appended, ReceivedEvent
from services.runtime.cli import main
from shared.envelope import Envelope
from shared.ids import new_identifier
from shared.merkle.checkpoint import Checkpoint, sign_checkpoint
from shared.merkle.keys import NoteSigner
from tests.unit.privacy.conftest import RecordingBus, received
from tests.unit.privacy.samples import (
    EMAIL,
    PHONE,
    consultation,
    epoch_closed,
    random_person,
    sealed,
)
from tests.unit.privacy.test_holds_flow import hold_on

ERASE = EraseSubject(Identities(phone=PHONE), Regime.GDPR, "officer-1", reference="DSR-77")
TRICK = "鰐淵 珠璃 090-7777-1234x"


def erase_by(*listed: str) -> EraseSubject:
    return EraseSubject(Identities(listed=listed), Regime.GDPR, "officer-1")


# Finding 17: identities of destructive and disclosing requests are parsed strictly.


@pytest.mark.parametrize(
    "identities",
    [Identities(phone=TRICK), Identities(listed=(TRICK,)), Identities(email=f"{EMAIL} x")],
)
async def test_an_identity_with_other_text_in_it_is_refused_and_nothing_is_erased(
    privacy: Privacy, identities: Identities, bus: RecordingBus
) -> None:
    # The lenient parse read TRICK as +81 90-7777-1234 with an extension and erased that person.
    person = random_person()
    person = type(person)(name=person.name, email=person.email, phone="090-7777-1234")
    case = await received(privacy, person=person)
    attempts = (
        lambda: privacy.handle(EraseSubject(identities, Regime.GDPR, "officer-1")),
        lambda: privacy.handle(RegisterAccess(identities, Regime.GDPR, "officer-1")),
        lambda: privacy.handle(hold_on(identities=identities)),
    )
    for attempt in attempts:
        with pytest.raises(InvalidRequestError) as refused:
            await attempt()
        assert refused.value.field in ("phone", "email", "identities[0]")
        assert not any(part in str(refused.value) for part in ("7777", "鰐淵", EMAIL))

    assert await privacy.personal.keys.tombstone(case.case_id) is None
    assert bus.envelopes(SUBJECT_ERASED.event_type) == []
    assert await privacy.deps.subjects.lookup(Identities(phone="090-7777-1234")) == (
        case.subject_id,
    )


# Finding 16: a request that matches no subject says so, and no receipt is signed for nothing.


async def test_an_erasure_matching_no_subject_answers_no_match_without_a_receipt(
    privacy: Privacy, bus: RecordingBus
) -> None:
    await received(privacy)

    with pytest.raises(NoMatchError) as answered:
        await privacy.handle(erase_by("hanako.yamda@example.jp"))  # misspelt

    assert str(answered.value).startswith("no_match: no subject matches")
    assert "nothing was erased" in str(answered.value)
    [request] = await privacy.store.requests(RequestKind.ERASURE)
    assert request.status is RequestStatus.NO_MATCH
    assert answered.value.request_id == request.request_id
    assert await privacy.store.receipt(request.request_id) is None
    assert bus.envelopes(SUBJECT_ERASED.event_type) == []


async def test_an_access_request_matching_no_subject_answers_no_match(privacy: Privacy) -> None:
    with pytest.raises(NoMatchError, match="nothing is held about them"):
        await privacy.handle(
            RegisterAccess(Identities(listed=("nobody@example.jp",)), Regime.GDPR, "officer-1")
        )
    [request] = await privacy.store.requests(RequestKind.ACCESS)
    assert request.status is RequestStatus.NO_MATCH


# Preview: what would go, and nothing changed by asking.


async def test_the_preview_shows_cases_and_holds_and_changes_nothing(
    privacy: Privacy, bus: RecordingBus
) -> None:
    first, second = await received(privacy), await received(privacy, closed_at=None)
    [hold] = await privacy.handle(hold_on(first.case_id))

    preview = await privacy.handle(PreviewErasure(Identities(email=EMAIL, phone=PHONE)))

    assert preview.subject_refs == (first.subject_id,)
    assert {c.case_id: [h.hold_id for h in c.held_by] for c in preview.cases} == {
        first.case_id: [hold.hold_id],
        second.case_id: [],
    }
    assert (preview.will_erase, preview.will_keep) == ((second.case_id,), (first.case_id,))
    assert preview.residual_copies is not None
    assert await privacy.personal.keys.tombstone(second.case_id) is None
    assert bus.envelopes(SUBJECT_ERASED.event_type) == []
    with pytest.raises(NoMatchError):
        await privacy.handle(PreviewErasure(Identities(email="nobody@example.jp")))


# Item 6: one person, one subject.


async def test_a_person_split_over_two_subjects_is_erased_whole_by_either_identity(
    privacy: Privacy,
) -> None:
    person = random_person()
    personal = privacy.personal
    full = consultation(person)
    customers = [
        full.customer.model_copy(update={"email": None}),  # phone only: subject A
        full.customer.model_copy(update={"phone": None}),  # e-mail only: subject B
        full.customer,  # both: links A to B
    ]
    cases, linked = [], []
    for customer in customers:
        case_id = new_identifier()
        async with personal.engine.begin() as connection:
            opener = KeyStoreCases(connection, personal.subjects, personal.keys)
            opened = await opener.open(case_id, customer)
        assert opened.subject_id is not None
        subject, linked = opened.subject_id, [*linked, *opened.linked_subjects]
        model = full.model_copy(update={"customer": customer})
        envelope = await sealed(personal.codec, model, case_id, subject)
        await consume(privacy, privacy.topics.intake, envelope)
        cases.append((case_id, subject))
    assert cases[0][1] != cases[1][1] == cases[2][1]
    assert linked == [cases[0][1]]

    receipt = verify_receipt(
        (await privacy.handle(erase_by(person.phone))).model_dump_json()
    ).receipt

    assert set(receipt.erased_case_ids) == {case_id for case_id, _ in cases}
    assert set(receipt.subject_refs) == {cases[0][1], cases[1][1]}
    for case_id, _ in cases:
        assert await personal.keys.tombstone(case_id) is not None
    assert await privacy.deps.subjects.lookup(Identities(listed=(person.phone,))) == ()
    assert await privacy.deps.subjects.lookup(Identities(listed=(person.email,))) == ()


# Item 4: pending until the epoch closes, then a signed completion statement.


def epoch_closed_of(receipt: ErasureReceipt, *, kek_id: str | None = None) -> Envelope:
    residual = receipt.residual_copies
    assert residual is not None
    closed_at = residual.unreadable_by - timedelta(hours=1)
    return epoch_closed(residual.epoch, kek_id or residual.kek_id, closed_at)


async def test_the_receipt_is_pending_until_its_epoch_closes_then_complete(
    privacy: Privacy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = await received(privacy)
    signed = await privacy.handle(ERASE)
    receipt = verify_receipt(signed.model_dump_json()).receipt
    residual = receipt.residual_copies
    assert residual is not None
    open_epoch = await privacy.personal.keys.current_epoch()  # the key store's epoch
    assert (residual.epoch, residual.kek_id) == (open_epoch.number, open_epoch.kek_id)
    assert residual.unreadable_by == open_epoch.closes_by
    assert f"at the close of epoch {residual.epoch}, no later than" in residual.statement
    [pending] = await privacy.handle(SubjectErasures((case.subject_id,)))
    assert (pending.state, pending.epoch) == (ErasureState.PENDING, residual.epoch)
    key = privacy.signer.verifier_key
    path = tmp_path / "receipt.json"
    path.write_text(signed.model_dump_json())
    with pytest.raises(SystemExit) as before:
        main(["verify-receipt", str(path), "--key", key])
    assert before.value.code == 0
    assert f"pending: residual copies unreadable at the close of epoch {residual.epoch}" in (
        capsys.readouterr().out
    )

    await consume(privacy, privacy.topics.privacy, epoch_closed_of(receipt))

    served = await privacy.handle(ReceiptFile(receipt.request_id))
    assert served is not None
    assert served.completion is not None
    verified = verify_receipt(served.model_dump_json(), key)
    assert verified.state is ErasureState.COMPLETE
    assert verified.completion is not None
    assert verified.completion.destroyed_kek_id == residual.kek_id
    [complete] = await privacy.handle(SubjectErasures((case.subject_id,)))
    assert (complete.state, complete.completed_by_epoch) == (ErasureState.COMPLETE, residual.epoch)
    path.write_text(served.model_dump_json())
    with pytest.raises(SystemExit) as after:
        main(["verify-receipt", str(path), "--key", key])
    assert after.value.code == 0
    assert f"complete: epoch {residual.epoch} closed" in capsys.readouterr().out
    # The statement stands apart too, and a changed one does not verify.
    statement = await privacy.store.completion(residual.epoch)
    assert statement is not None
    forged = served.model_copy(
        update={
            "completion": statement.model_copy(
                update={"statement": {**statement.statement, "destroyed_kek_id": "kek-other"}}
            )
        }
    )
    with pytest.raises(ReceiptVerificationError, match="fields differ"):
        verify_receipt(forged.model_dump_json(), key)


async def test_a_close_of_another_kek_does_not_complete_the_receipt(privacy: Privacy) -> None:
    await received(privacy)
    signed = await privacy.handle(ERASE)
    receipt = verify_receipt(signed.model_dump_json()).receipt

    await consume(privacy, privacy.topics.privacy, epoch_closed_of(receipt, kek_id="kek-x"))

    served = await privacy.handle(ReceiptFile(receipt.request_id))
    assert served is not None
    assert served.completion is not None
    with pytest.raises(ReceiptVerificationError, match="destroyed KEK is not"):
        verify_receipt(served.model_dump_json())


async def test_an_access_export_shows_whether_the_erasure_is_complete(privacy: Privacy) -> None:
    held, free = await received(privacy), await received(privacy, closed_at=None)
    await privacy.handle(hold_on(held.case_id))
    await privacy.handle(ERASE)  # partial: the subject stays known
    request = await privacy.handle(RegisterAccess(ERASE.identities, ERASE.regime, ERASE.actor))

    export = await privacy.handle(ExportAccess(request.request_id, "officer-1"))

    [erasure] = export.erasures
    assert (erasure.subject_id, erasure.state) == (held.subject_id, ErasureState.PENDING)
    assert {c.case_id: c.disposition.value for c in export.cases} == {
        held.case_id: "kept",
        free.case_id: "erased",
    }


# Finding 14: the receipt carries the signed checkpoint that includes its own events.


async def test_the_receipt_binds_the_checkpoint_records_acknowledges_for_its_events(
    privacy: Privacy, bus: RecordingBus
) -> None:
    await received(privacy)
    signed = await privacy.handle(ERASE)
    assert verify_receipt(signed.model_dump_json()).receipt.records_checkpoint.bound is False
    erased = bus.envelopes(SUBJECT_ERASED.event_type)
    records_key = NoteSigner.generate("caselog.test/records")
    size = 50 + len(erased)
    checkpoint = StoredCheckpoint(
        size,
        b"\x01" * 32,
        sign_checkpoint(Checkpoint("caselog.test/records", size, b"\x01" * 32), [records_key]),
        datetime(2026, 11, 6, tzinfo=UTC),
    )
    # Records' own acknowledgements of the erasure's events, as it publishes them.
    for ack in acknowledgements(
        [ReceivedEvent(envelope) for envelope in erased],
        [Appended(str(e.event_id), 50 + n, 9, is_new=True) for n, e in enumerate(erased)],
        tree_size=size,
        checkpoint=checkpoint,
        now=datetime(2026, 11, 6, tzinfo=UTC),
    ):
        await consume(privacy, privacy.topics.records, ack)

    served = await privacy.handle(
        ReceiptFile(json.loads(signed.model_dump_json())["receipt"]["request_id"])
    )
    assert served is not None
    bound = verify_receipt(served.model_dump_json(), privacy.signer.verifier_key).receipt
    assert bound.records_checkpoint.bound is True
    assert bound.records_checkpoint.note == checkpoint.note
    assert bound.records_checkpoint.checkpoint_size == size
    assert bound.records_checkpoint.event_positions == tuple(50 + n for n in range(len(erased)))
    records_verifier = records_key.verifier.key_string()
    verify_receipt(served.model_dump_json(), records_key=records_verifier)
    other = NoteSigner.generate("caselog.test/records").verifier.key_string()
    with pytest.raises(ReceiptVerificationError, match="records checkpoint"):
        verify_receipt(served.model_dump_json(), records_key=other)
    # A receipt whose signer binds a checkpoint that does not include its events is refused.
    short = bound.records_checkpoint.model_copy(update={"event_positions": (size,)})
    forged = privacy.signer.sign(bound.model_copy(update={"records_checkpoint": short}))
    with pytest.raises(ReceiptVerificationError, match="does not include every event"):
        verify_receipt(forged.model_dump_json())


# Finding 13: a receipt forged with the forger's own key is not passed.


async def test_a_receipt_signed_with_a_forgers_key_fails_unless_a_key_is_pinned(
    privacy: Privacy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await received(privacy)
    genuine = await privacy.handle(ERASE)
    receipt = ErasureReceipt.model_validate(genuine.receipt)
    forger = NoteReceiptSigner(NoteSigner.generate("caselog-privacy"))
    forged = forger.sign(receipt.model_copy(update={"erased_case_ids": ("case-never-erased",)}))
    path = tmp_path / "forged.json"
    path.write_text(forged.model_dump_json())

    with pytest.raises(SystemExit) as unpinned:
        main(["verify-receipt", str(path)])
    assert unpinned.value.code == 3
    assert "only self-consistency was checked" in capsys.readouterr().out
    with pytest.raises(SystemExit) as pinned:
        main(["verify-receipt", str(path), "--key", privacy.signer.verifier_key])
    assert pinned.value.code == 1
