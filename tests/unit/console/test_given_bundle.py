"""A bundle file someone was given, as the proof tab reports it: what is not a bundle fails the
format check without its text repeated, and a case id that cannot be an id is not shown."""

import json

from services.console.domain.proof import check_bundle

INVOICE = b"Invoice for jane.doe@example.com: 39.90 USD"


def _bundle(case_id: str) -> bytes:
    return json.dumps(
        {
            "case_id": case_id,
            "origin": "caselog.local/records",
            "generated_at": "2026-12-04T00:00:00Z",
            "verifier_key": "not a key",
            "checkpoint": "caselog.local/records\n0\nAAAA\n",
            "tree_size": 0,
            "events": [],
        }
    ).encode()


def test_a_file_that_is_not_a_bundle_fails_the_format_check_and_is_not_repeated() -> None:
    report = check_bundle(INVOICE, pinned_key=None)
    assert report.bundle is None
    assert [(check.name, check.state) for check in report.checks][:2] == [
        ("format", "failed"),
        ("key", "not_run"),
    ]
    assert "jane.doe" not in report.checks[0].reason
    assert report.case_id is None


def test_the_case_a_bundle_names_is_shown_only_when_it_can_be_an_id() -> None:
    assert check_bundle(_bundle("0d0462f2-1c85-4f55"), None).case_id == "0d0462f2-1c85-4f55"
    named = check_bundle(_bundle("jane.doe@example.com"), None)
    assert named.bundle is not None, "still a bundle: its checks run"
    assert named.case_id is None
