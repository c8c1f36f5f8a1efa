"""Bundles that prove completeness: with its case's entry in the log's signed case map, a bundle
that holds every event of the case verifies as complete; one that withholds its last event (or
any), duplicates or reorders one fails, naming the completeness check; one without an entry
still verifies, reported as not proved complete."""

import pytest

from services.records.domain.events import StoredEvent
from shared.bundle.check import BundleVerdict, verify_bundle
from shared.bundle.format import Bundle, encode_bundle
from shared.bundle.report import report_text, verification_report
from shared.merkle.case_map import CaseMapStatement
from shared.merkle.keys import NoteSigner
from shared.merkle.note import parse_note, sign_note
from tests.unit.records.bundles import bundle_of, with_case_map


@pytest.fixture
def complete(rows: list[StoredEvent], signer: NoteSigner) -> Bundle:
    """case-1's three events (leaves 1, 4 and 7 of 9), with its entry in the case map at 9."""
    return with_case_map(bundle_of(rows, "case-1", signer), rows, signer)


def failed(verdict: BundleVerdict) -> str:
    assert verdict.failure is not None
    return str(verdict.failure)


def test_a_bundle_with_every_event_of_its_case_is_proved_complete(
    complete: Bundle, signer: NoteSigner
) -> None:
    verdict = verify_bundle(complete, [signer.verifier])
    report = report_text(verification_report(encode_bundle(complete), [signer.verifier]))

    assert (verdict.ok, verdict.complete) == (True, True)
    assert (
        "  complete    proved: the log's signed case map at size 9 says the case had exactly"
        " these 3 events, the last one shown ending its chain: none was withheld"
    ) in report.splitlines()


def test_a_bundle_with_its_last_event_withheld_fails_the_completeness_check(
    complete: Bundle, signer: NoteSigner
) -> None:
    shortened = complete.model_copy(update={"events": complete.events[:-1]})

    text = failed(verify_bundle(shortened, [signer.verifier]))

    assert text == (
        "completeness: the log's signed case map says the case had 3 events at size 9, the"
        " bundle holds 2: events of the case were withheld"
    )


def test_a_bundle_with_a_middle_event_withheld_fails_the_completeness_check(
    complete: Bundle, signer: NoteSigner
) -> None:
    first, _, last = complete.events

    withheld = complete.model_copy(update={"events": [first, last]})

    text = failed(verify_bundle(withheld, [signer.verifier]))

    assert text.startswith("completeness: ")
    assert "withheld" in text


def test_a_duplicated_event_fails_the_completeness_check(
    complete: Bundle, signer: NoteSigner
) -> None:
    events = [*complete.events, complete.events[-1]]

    text = failed(verify_bundle(complete.model_copy(update={"events": events}), [signer.verifier]))

    assert text.startswith("completeness: ")
    assert "the bundle holds 4: it holds extra" in text


def test_reordered_events_fail(complete: Bundle, signer: NoteSigner) -> None:
    first, second, third = complete.events
    last_moved = complete.model_copy(update={"events": [first, third, second]})
    first_moved = complete.model_copy(update={"events": [second, first, third]})

    assert failed(verify_bundle(last_moved, [signer.verifier])).startswith(
        "completeness: the case's last event in the log's signed case map is not the bundle's"
    )
    # The last event in place: the case chain names the one out of place.
    assert "case position 1 where 0 comes next" in failed(
        verify_bundle(first_moved, [signer.verifier])
    )


def test_a_case_map_signed_for_another_checkpoint_or_by_another_key_fails(
    complete: Bundle, signer: NoteSigner
) -> None:
    assert complete.case_map is not None
    signed = CaseMapStatement.parse(parse_note(complete.case_map.statement).text)
    older = CaseMapStatement(signed.origin, 8, signed.tree_root, signed.cases, signed.map_root)
    moved = complete.case_map.model_copy(update={"statement": sign_note(older.text(), [signer])})
    foreign = complete.case_map.model_copy(
        update={"statement": sign_note(signed.text(), [NoteSigner.generate(signed.origin)])}
    )

    assert (
        failed(verify_bundle(complete.model_copy(update={"case_map": moved}), [signer.verifier]))
        == "completeness: the signed case map is for another log or checkpoint than the bundle's"
    )
    assert failed(
        verify_bundle(complete.model_copy(update={"case_map": foreign}), [signer.verifier])
    ).startswith("completeness: the signed note does not verify")


def test_an_entry_claiming_fewer_events_is_not_in_the_signed_map(
    complete: Bundle, signer: NoteSigner
) -> None:
    # A withheld tail with the entry rewritten to match it: the map's root no longer agrees.
    assert complete.case_map is not None
    shortened = complete.model_copy(
        update={
            "events": complete.events[:-1],
            "case_map": complete.case_map.model_copy(
                update={"events": 2, "head": complete.events[1].chain_hash}
            ),
        }
    )

    assert failed(verify_bundle(shortened, [signer.verifier])).startswith(
        "completeness: the case's entry is not in the log's signed case map"
    )


def test_an_old_bundle_without_a_case_map_verifies_but_is_not_proved_complete(
    rows: list[StoredEvent], signer: NoteSigner
) -> None:
    old = bundle_of(rows, "case-1", signer)
    shortened = old.model_copy(update={"events": old.events[:-1]})

    for bundle in (old, shortened):
        verdict = verify_bundle(bundle, [signer.verifier])
        report = verification_report(encode_bundle(bundle), [signer.verifier])
        assert (verdict.ok, verdict.complete) == (True, False)
        assert report.proved is not None
        assert "(completeness not proved)" in report.proved.complete_reason
