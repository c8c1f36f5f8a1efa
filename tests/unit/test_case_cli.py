"""`caselog replay` and `caselog erase` against a fake HTTP transport: requests and output."""

import io
import json
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from services.runtime.case_cli import erase_subject, replay_case
from services.runtime.cli import main

RECEIPT = {
    "receipt": {
        "request_id": "req-1",
        "status": "completed",
        "erased_case_ids": ["case-a"],
        "held_cases": [
            {"case_id": "case-b", "holds": [{"hold_id": "h-1", "scope": "case", "matter": "M-7"}]}
        ],
    },
    "signed_note": "note",
    "verifier_key": "key",
}


def client_answering(
    status: int, body: object, seen: list[httpx.Request] | None = None
) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        (seen if seen is not None else []).append(request)
        return httpx.Response(status, json=body)

    return httpx.Client(base_url="http://caselog/svc", transport=httpx.MockTransport(handle))


@pytest.mark.parametrize("when", ["yesterday", "2026-11-02T10:00:00"])
@pytest.mark.parametrize("option", ["--as-of", "--valid-at"])
def test_a_bad_or_zoneless_time_exits_2_naming_the_option(
    option: str, when: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["replay", "case-1", option, when])
    assert stop.value.code == 2
    assert f"argument {option}:" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["replay", "erase"])
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    assert "--url" in capsys.readouterr().out


def test_replay_asks_for_the_window_and_prints_the_timeline() -> None:
    seen: list[httpx.Request] = []
    out = io.StringIO()
    timeline = {"case_id": "case-1", "events": [{"type": "consultation.received"}]}
    with client_answering(200, timeline, seen) as client:
        status = replay_case(
            client,
            "case-1",
            as_of=datetime.fromisoformat("2026-11-02T10:00:00+09:00"),
            reveal=True,
            purpose="request R-1",
            out=out,
        )
    assert status == 0
    assert json.loads(out.getvalue()) == timeline
    [request] = seen
    assert request.url.path == "/svc/v1/cases/case-1/timeline"
    assert dict(request.url.params) == {
        "as_of": "2026-11-02T10:00:00+09:00",
        "reveal": "true",
        "purpose": "request R-1",
    }


def test_a_problem_prints_its_reason_and_field_and_exits_1() -> None:
    out, err = io.StringIO(), io.StringIO()
    problem = {"status": 403, "reason": "needs the role legal", "field": "reveal"}
    with client_answering(403, problem) as client:
        status = replay_case(client, "case-1", out=out, err=err)
    assert status == 1
    assert out.getvalue() == ""
    assert err.getvalue() == "FAILED: 403 needs the role legal (field: reveal)\n"


def test_an_unreachable_service_exits_1() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    err = io.StringIO()
    with httpx.Client(base_url="http://caselog", transport=httpx.MockTransport(refuse)) as client:
        assert erase_subject(client, ["0901234"], err=err, yes=True) == 1
    assert "cannot reach http://caselog" in err.getvalue()


PREVIEW = {
    "subject_refs": ["s-1", "s-2"],
    "cases": [
        {
            "case_id": "case-a",
            "kept_events": 3,
            "disposition": "kept",
            "has_recording": False,
            "held_by": [],
        },
        {
            "case_id": "case-b",
            "kept_events": 1,
            "disposition": "kept",
            "has_recording": True,
            "held_by": [{"hold_id": "h-1", "matter": "M-7"}],
        },
    ],
    "subject_index": "kept while held cases remain",
    "residual_copies": {"epoch": 7, "unreadable_by": "2026-11-07T00:00:00Z"},
}


def privacy_answering(seen: list[httpx.Request]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        preview = request.url.path.endswith("/preview")
        return httpx.Response(200, json=PREVIEW if preview else RECEIPT)

    return httpx.Client(base_url="http://caselog/svc", transport=httpx.MockTransport(handle))


class Typed(io.StringIO):
    """Standard input as a terminal, holding what the operator types."""

    def isatty(self) -> bool:
        return True


def test_erase_previews_then_writes_the_receipt_and_never_repeats_an_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    identities = ["jane@example.com", "090-1234-5678"]
    seen: list[httpx.Request] = []
    out, err = io.StringIO(), io.StringIO()
    with privacy_answering(seen) as client:
        status = erase_subject(
            client, identities, reason="ticket-9", stdin=Typed("y\n"), out=out, err=err
        )
    assert status == 0
    assert [r.url.path for r in seen] == [
        "/svc/v1/requests/erasure/preview",
        "/svc/v1/requests/erasure",
    ]
    assert json.loads(seen[0].content) == {"identities": identities}
    assert json.loads(seen[1].content) == {"identities": identities, "reference": "ticket-9"}
    assert json.loads((tmp_path / "erasure-receipt-req-1.json").read_bytes()) == RECEIPT
    summary = out.getvalue() + err.getvalue()
    assert not any(identity in summary for identity in identities)
    assert "2 subjects (one person, 2 linked subjects)" in summary
    assert (
        "case case-b: 1 events, kept, a call recording; kept: held by h-1 (matter M-7)" in summary
    )
    assert "1 cases of the subject erased, 1 held" in summary
    assert "held: case case-b by h-1 (matter M-7)" in summary


@pytest.mark.parametrize(
    ("stdin", "why"), [(io.StringIO("y\n"), "not a terminal"), (Typed("n\n"), "not confirmed")]
)
def test_erase_without_yes_refuses_unless_confirmed_on_a_terminal(
    stdin: io.StringIO, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 14, finding 16: `caselog erase` acted without confirmation.
    monkeypatch.chdir(tmp_path)
    seen: list[httpx.Request] = []
    err = io.StringIO()
    with privacy_answering(seen) as client:
        status = erase_subject(client, ["jane@example.com"], stdin=stdin, err=err)
    assert status == 2
    assert [r.url.path for r in seen] == ["/svc/v1/requests/erasure/preview"]  # nothing erased
    assert why in err.getvalue()
    assert list(tmp_path.iterdir()) == []


def test_erase_with_yes_asks_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    seen: list[httpx.Request] = []
    with privacy_answering(seen) as client:
        status = erase_subject(
            client, ["jane@example.com"], yes=True, stdin=io.StringIO(), out=io.StringIO()
        )
    assert status == 0
    assert len(seen) == 2
