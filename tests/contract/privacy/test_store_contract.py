"""Privacy's store contract, on SQLite and PostgreSQL: changes go in through a unit of work that
commits or leaves nothing, once per event id; every read gives back what was applied."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

from services.privacy.adapters.store import SqlPrivacyStore
from services.privacy.domain.cases import Disposition
from services.privacy.domain.holds import Hold, HoldScope, Recommendation
from services.privacy.domain.receipt import RecordsCheckpoint, SignedCompletion, SignedReceipt
from services.privacy.domain.requests import (
    PrivacyRequest,
    Regime,
    RequestKind,
    RequestStatus,
)
from services.privacy.service_layer import changes
from shared.envelope import Envelope
from tests.contract.privacy.conftest import UnitOfWorkFactory

AT = datetime(2026, 11, 6, 9, tzinfo=UTC)
JST = timezone(timedelta(hours=9))


async def commit(
    unit_of_work: UnitOfWorkFactory, event_id: str | None, found: Sequence[changes.Change]
) -> bool:
    async with unit_of_work() as unit:
        applied = await unit.store.apply(event_id, found)
        await unit.commit()
    return applied


def envelope(case_id: str, event_type: str, minutes: int, cause: str | None = None) -> Envelope:
    return Envelope(
        type=event_type,
        schema_version=1,
        case_id=case_id,
        subject_id="subject-1",
        occurred_at=AT + timedelta(minutes=minutes),
        producer="intake",
        causation_id=cause,
        correlation_id="correlation-1",
        payload={"outcome": "accept", "n": minutes},
    )


def hold(hold_id: str, recommendation_id: str | None = None) -> Hold:
    return Hold(
        hold_id=hold_id,
        scope=HoldScope.CASE,
        case_id="case-1",
        matter="M-1",
        reason="litigation",
        placed_by="legal-1",
        placed_at=AT,
        recommendation_id=recommendation_id,
    )


def request(request_id: str, status: RequestStatus = RequestStatus.OPEN) -> PrivacyRequest:
    return PrivacyRequest(
        request_id=request_id,
        kind=RequestKind.ERASURE,
        regime=Regime.GDPR,
        subject_ids=("subject-1",),
        received_at=AT,
        due_at=AT + timedelta(days=30),
        status=status,
        registered_by="officer-1",
        reference="DSR-1",
    )


def sealed(copy_id: str, version: int) -> changes.SealedCopy:
    return changes.SealedCopy(copy_id, version, f"slot-{copy_id}-{version}", "ab" * 32, "{}")


async def test_an_event_is_applied_once_and_changes_without_an_event_id_every_time(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    opened = [changes.CaseSeen("case-1", None), changes.CaseOpened("case-1", AT)]
    later = [changes.CaseOpened("case-1", AT + timedelta(hours=1))]

    assert await commit(unit_of_work, "event-1", opened)
    assert not await commit(unit_of_work, "event-1", later)  # a redelivery: nothing applied
    case = await store.case("case-1")
    assert case is not None
    assert case.opened_at == AT

    assert await commit(unit_of_work, None, later)
    assert await commit(unit_of_work, None, later)
    case = await store.case("case-1")
    assert case is not None
    assert case.opened_at == AT + timedelta(hours=1)


async def test_a_unit_of_work_left_without_commit_leaves_nothing_not_even_the_event_id(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    async with unit_of_work() as unit:
        assert await unit.store.apply("event-1", [changes.CaseSeen("case-1", "subject-1")])
        assert await unit.store.case("case-1") is not None  # its own reads see it
        assert await store.case("case-1") is None  # nobody else does before the commit

    assert await store.case("case-1") is None
    assert await commit(unit_of_work, "event-1", [changes.CaseSeen("case-1", "subject-1")])
    assert await store.case("case-1") is not None


async def test_a_unit_of_work_ended_by_an_error_rolls_back(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    class StopError(Exception):
        pass

    try:
        async with unit_of_work() as unit:
            await unit.store.apply(None, [changes.CaseSeen("case-1", "subject-1")])
            raise StopError
    except StopError:
        pass

    assert await store.cases() == []


async def test_apply_each_applies_each_event_once_in_one_transaction(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    async with unit_of_work() as unit:
        applied = await unit.store.apply_each(
            [
                ("event-1", [changes.CaseSeen("case-1", None)]),
                ("event-2", [changes.CaseSeen("case-2", None)]),
                ("event-1", [changes.CaseSeen("case-3", None)]),  # the same id again
                (None, [changes.CaseSeen("case-4", None)]),
            ]
        )
        await unit.commit()

    assert applied == [True, True, False, True]
    assert [case.case_id for case in await store.cases()] == ["case-1", "case-2", "case-4"]


async def test_a_case_learns_its_subject_once_and_keeps_times_in_utc(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    closed_jst = datetime(2026, 11, 6, 18, tzinfo=JST)
    await commit(unit_of_work, None, [changes.CaseSeen("case-1", None)])
    await commit(
        unit_of_work,
        None,
        [
            changes.CaseSeen("case-1", "subject-1"),
            changes.CaseSeen("case-1", "subject-2"),  # the first subject learnt stays
            changes.CaseClosed("case-1", closed_jst, "satisfied", "close-1"),
            changes.RecordingAttached("case-1"),
        ],
    )

    case = await store.case("case-1")
    assert case is not None
    assert (case.subject_id, case.closure_reason, case.has_recording) == (
        "subject-1",
        "satisfied",
        True,
    )
    assert case.closed_at == closed_jst
    assert case.closed_at.utcoffset() == timedelta(0)
    assert [c.case_id for c in await store.cases(["subject-1"])] == ["case-1"]
    assert await store.cases(["subject-2"]) == []


async def test_a_closure_is_accepted_or_refused_only_while_it_is_the_case_s_closure(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    await commit(
        unit_of_work,
        None,
        [
            changes.CaseSeen("case-1", "subject-1"),
            changes.CaseClosed("case-1", AT, "satisfied", "close-2"),
            changes.ClosureRefused("case-1", "close-1"),  # an older request: no effect
            changes.ClosureAccepted("case-1", "close-2", AT + timedelta(minutes=5)),
        ],
    )
    case = await store.case("case-1")
    assert case is not None
    assert case.closed_at == AT + timedelta(minutes=5)

    await commit(unit_of_work, None, [changes.ClosureRefused("case-1", "close-2")])
    case = await store.case("case-1")
    assert case is not None
    assert (case.closed_at, case.closure_reason) == (None, None)


async def test_kept_envelopes_come_back_in_order_and_go_with_the_case_key(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    first = envelope("case-1", "consultation.received", 0)
    second = envelope("case-1", "closure.requested", 5)
    decision = envelope("case-1", "closure.decided", 9, cause=str(second.event_id))
    await commit(unit_of_work, None, [changes.CaseSeen("case-1", "subject-1")])
    await commit(
        unit_of_work,
        None,
        [changes.EventKept(decision), changes.EventKept(second), changes.EventKept(first)],
    )

    assert await store.case_envelopes("case-1") == [first, second, decision]
    assert await store.kept_events(["case-1"]) == 3
    assert await store.decision_caused_by(str(second.event_id)) == decision
    assert await store.decision_caused_by(str(first.event_id)) is None

    await commit(unit_of_work, None, [changes.KeyDestroyed("case-1", AT)])
    await commit(unit_of_work, None, [changes.EventKept(first)])  # redelivered after shredding
    assert await store.case_envelopes("case-1") == []
    case = await store.case("case-1")
    assert case is not None
    assert case.key_destroyed_at == AT


async def test_an_erasure_marks_the_case_and_remembers_the_first_request_per_subject(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    await commit(
        unit_of_work,
        None,
        [
            changes.CaseErased("case-never-seen", AT),
            changes.KeyDestroyed("case-never-seen", AT),
            changes.SubjectErased("subject-1", "request-1", AT),
            changes.SubjectErased("subject-1", "request-2", AT),
        ],
    )

    case = await store.case("case-never-seen")
    assert case is not None
    assert (case.disposition, case.erased_at, case.key_destroyed_at) == (
        Disposition.ERASED,
        AT,
        AT,
    )
    assert await store.erasure_of("subject-1") == "request-1"
    assert await store.erasure_of("subject-2") is None


async def test_an_anonymized_case_keeps_no_envelope_and_its_recording_expires(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    await commit(
        unit_of_work,
        None,
        [
            changes.CaseSeen("case-1", "subject-1"),
            changes.EventKept(envelope("case-1", "consultation.received", 0)),
            changes.RecordingsExpired(["case-1"], AT),
            changes.CaseAnonymized("case-1", AT),
        ],
    )

    case = await store.case("case-1")
    assert case is not None
    assert (case.disposition, case.anonymized_at) == (Disposition.ANONYMIZED, AT)
    assert case.recording_expired_at == AT
    assert await store.kept_events(["case-1"]) == 0


async def test_holds_are_placed_asked_to_release_released_and_confirm_a_recommendation(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    recommendation = Recommendation(
        recommendation_id="decision-1",
        case_id="case-1",
        subject_id="subject-1",
        decision_type="policy.decided",
        outcome="escalate",
        rules=("conduct",),
        recommended_at=AT,
    )
    await commit(unit_of_work, None, [changes.RecommendationMade(recommendation)])
    assert await store.recommendations(pending_only=True) == [recommendation]

    placed = hold("hold-1", recommendation_id="decision-1")
    await commit(unit_of_work, None, [changes.HoldSaved(placed), changes.HoldSaved(hold("hold-2"))])
    assert await store.recommendations(pending_only=True) == []
    confirmed = await store.recommendation("decision-1")
    assert confirmed is not None
    assert confirmed.hold_id == "hold-1"

    asked_at, released_at = AT + timedelta(days=1), AT + timedelta(days=2)
    await commit(unit_of_work, None, [changes.HoldReleaseRequested("hold-1", "po-1", asked_at)])
    asked = await store.hold("hold-1")
    assert asked is not None
    assert (asked.release_requested_by, asked.active) == ("po-1", True)

    await commit(unit_of_work, None, [changes.HoldEnded("hold-1", "legal-2", released_at, "ok")])
    await commit(unit_of_work, None, [changes.HoldEnded("hold-1", "late", AT, None)])  # no-op
    released = await store.hold("hold-1")
    assert released is not None
    assert (released.released_by, released.released_at, released.active) == (
        "legal-2",
        released_at,
        False,
    )
    assert [h.hold_id for h in await store.holds(active_only=True)] == ["hold-2"]
    assert {h.hold_id for h in await store.holds(active_only=False)} == {"hold-1", "hold-2"}
    assert await store.hold("hold-3") is None


async def test_a_request_keeps_its_registration_when_its_state_changes_and_has_its_receipt(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    await commit(unit_of_work, None, [changes.RequestSaved(request("erasure-1"))])
    done = request("erasure-1", RequestStatus.FULFILLED).model_copy(
        update={"fulfilled_at": AT, "reference": "changed", "registered_by": "someone else"}
    )
    receipt = SignedReceipt(signed_note="note", verifier_key="key", receipt={"a": 1})
    await commit(
        unit_of_work, None, [changes.RequestSaved(done), changes.ReceiptSaved("erasure-1", receipt)]
    )

    stored = await store.request("erasure-1")
    assert stored is not None
    assert (stored.status, stored.fulfilled_at) == (RequestStatus.FULFILLED, AT)
    assert (stored.reference, stored.registered_by) == ("DSR-1", "officer-1")
    assert await store.receipt("erasure-1") == receipt
    assert [r.request_id for r in await store.requests(RequestKind.ERASURE)] == ["erasure-1"]
    assert await store.requests(RequestKind.ACCESS) == []
    assert await store.request("erasure-2") is None


async def test_a_copy_is_kept_replaced_by_its_next_version_paged_and_removed(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    copy_ids = [f"copy-{n}" for n in range(3)]
    await commit(
        unit_of_work,
        None,
        [
            changes.CopyStored(f"case-{n}", sealed(copy_id, 1), AT, "satisfied")
            for n, copy_id in enumerate(copy_ids)
        ],
    )
    await commit(unit_of_work, None, [changes.CopyStored("case-0", sealed("copy-0", 2), AT, None)])

    kept = await store.copy("copy-0")
    assert kept is not None
    assert (kept.case_id, kept.copy, kept.closed_at, kept.closure_reason) == (
        "case-0",
        sealed("copy-0", 2),
        AT,
        "satisfied",  # the retention facts of the first version stay
    )
    assert await store.copy_of_case("case-1") == sealed("copy-1", 1)
    assert [c.copy_id for c in await store.copies(None, 2)] == ["copy-0", "copy-1"]
    assert [c.copy_id for c in await store.copies("copy-1", 2)] == ["copy-2"]
    assert {meta.copy_id for meta in await store.copy_metas()} == set(copy_ids)

    await commit(
        unit_of_work, None, [changes.CopyRemoved("copy-0"), changes.CopiesExpired(["copy-1"])]
    )
    assert [c.copy_id for c in await store.copies(None, 10)] == ["copy-2"]
    assert await store.copy("copy-0") is None
    assert await store.copy_of_case("case-1") is None


async def test_the_checkpoint_kept_is_the_largest_log_acknowledged(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    def seen(size: int) -> changes.CheckpointSeen:
        return changes.CheckpointSeen(
            RecordsCheckpoint(available=True, tree_size=size, detail=f"size {size}")
        )

    assert await store.checkpoint() is None
    for size in (5, 9, 7):  # partitions acknowledge in any order
        await commit(unit_of_work, None, [seen(size)])

    latest = await store.checkpoint()
    assert latest is not None
    assert latest.tree_size == 9


async def test_a_receipt_is_tracked_bound_once_and_completed_by_its_epoch(
    store: SqlPrivacyStore, unit_of_work: UnitOfWorkFactory
) -> None:
    await commit(unit_of_work, None, [changes.RequestSaved(request("erasure-1"))])
    await commit(unit_of_work, None, [changes.RequestSaved(request("erasure-2"))])
    await commit(
        unit_of_work,
        None,
        [
            changes.ReceiptTracked("erasure-1", 3, ["event-a", "event-b"], bound=False),
            changes.ReceiptTracked("erasure-2", 4, [], bound=True),
            changes.ErasureAcknowledged("event-a", 17),
        ],
    )
    assert await store.unbound_receipts() == [("erasure-1", ("event-a", "event-b"))]
    assert await store.erasure_positions(["event-a", "event-b"]) == {"event-a": 17}

    first = SignedReceipt(signed_note="first", verifier_key="key", receipt={})
    second = SignedReceipt(signed_note="second", verifier_key="key", receipt={})
    await commit(unit_of_work, None, [changes.ReceiptBound("erasure-1", first)])
    await commit(unit_of_work, None, [changes.ReceiptBound("erasure-1", second)])  # bound once
    assert await store.unbound_receipts() == []
    assert await store.receipt("erasure-1") == first

    assert await store.incomplete_receipts(3) == [("erasure-1", 3)]
    assert await store.incomplete_receipts(4) == [("erasure-1", 3), ("erasure-2", 4)]
    completion = SignedCompletion(signed_note="done", verifier_key="key", statement={"e": 3})
    await commit(unit_of_work, None, [changes.CompletionIssued(3, completion, ["erasure-1"])])
    other = SignedCompletion(signed_note="again", verifier_key="key", statement={"e": 3})
    await commit(unit_of_work, None, [changes.CompletionIssued(3, other, ["erasure-2"])])

    assert await store.completion(3) == completion
    assert await store.completion_of("erasure-1") == completion
    assert await store.completion_of("erasure-2") is None
    assert await store.incomplete_receipts(4) == [("erasure-2", 4)]
