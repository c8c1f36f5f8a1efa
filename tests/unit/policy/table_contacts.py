"""Table cases for what follows a final answer (repeats, time restraint), call recordings and
confidential information."""

from services.policy.domain import Outcome, SubjectHistory

from .sample_facts import DAY, MINUTE, T0, Case, after_final_answer, consultation

A, R, F = Outcome.ACCEPT, Outcome.RESTRICT, Outcome.REFUSE
C = consultation


def call(minutes: int, answered_after: int | None = None, **changes: object) -> dict[str, object]:
    """A phone call of `minutes`, the final answer given `answered_after` minutes in."""
    answered = T0 + answered_after * MINUTE if answered_after is not None else None
    return {"duration_seconds": minutes * 60, "final_answer_given_at": answered} | changes


fa_history = after_final_answer
REPEATS = [
    Case(
        "first repeat warned",
        R,
        "repeat",
        history=fa_history(0),
        actions=frozenset({"warn_customer"}),
    ),
    Case(
        "second repeat refused",
        F,
        "repeat",
        history=fa_history(1),
        actions=frozenset({"route_written_only"}),
    ),
    Case("fifth repeat refused", F, "repeat", history=fa_history(4)),
    Case(
        "contacts without final answer",
        A,
        "",
        history=SubjectHistory.model_validate(
            {"prior_contacts": [{"at": T0 - n * DAY, "channel": "email"} for n in (1, 2, 3)]}
        ),
    ),
    Case(
        "repeats counted from contacts",
        F,
        "repeat",
        history=fa_history(
            prior_contacts=[
                {"at": T0 - 3 * DAY, "channel": "phone"},
                {"at": T0 - 1 * DAY, "channel": "phone"},
            ]
        ),
    ),
    Case(
        "contacts before final answer only",
        R,
        "repeat",
        history=fa_history(prior_contacts=[{"at": T0 - 3 * DAY, "channel": "phone"}]),
    ),
    # A final answer dated after the consultation had not been given when the customer wrote.
    Case(
        "final answer dated after the consultation",
        A,
        "",
        history=SubjectHistory.model_validate({"final_answers": (T0 + DAY,)}),
    ),
    Case(
        "repeats counted from the answer before, not after",
        F,
        "repeat",
        history=SubjectHistory.model_validate(
            {
                "final_answers": (T0 - 2 * DAY, T0 + DAY),
                "prior_contacts": [{"at": T0 - 1 * DAY, "channel": "phone"}],
            }
        ),
    ),
]

PHONE = {"channel": "phone"}
CALLS = [
    Case(
        "call ran 40 min past answer",
        R,
        "time-restraint",
        C(**PHONE, call=call(60, 20)),
        actions=frozenset({"end_call_allowed"}),
    ),
    Case("call ran 25 min past answer", A, "", C(**PHONE, call=call(45, 20))),
    Case("call ran exactly 30 min past answer", A, "", C(**PHONE, call=call(40, 10))),
    Case(
        "whole call after earlier final answer",
        R,
        "repeat time-restraint",
        C(**PHONE, call=call(31)),
        history=fa_history(0),
    ),
    Case("long call, no final answer", A, "", C(**PHONE, call=call(90))),
    Case(
        "recorded call kept",
        A,
        "recording",
        C(
            **PHONE,
            call=call(5, recorded=True, has_recording_reference=True, has_recording_digest=True),
        ),
        actions=frozenset({"retain_recording_digest"}),
    ),
    Case(
        "recorded call missing digest",
        A,
        "recording",
        C(**PHONE, call=call(5, recorded=True, has_recording_reference=True)),
        actions=frozenset({"retain_recording_digest", "complete_record"}),
    ),
    Case("unrecorded call", A, "", C(**PHONE, call=call(5))),
    Case(
        "publishing the recording ja",
        F,
        "conduct:online_exposure recording",
        C("録音をネットに公開してやる", **PHONE),
    ),
    Case(
        "publishing the recording en",
        F,
        "conduct:online_exposure recording",
        C("I will publish the recording of this call", **PHONE),
    ),
]

CONFIDENTIAL = [
    Case(
        "designated confidential info",
        A,
        "confidentiality",
        C(has_confidential_info=True),
        actions=frozenset({"restrict_confidential"}),
    ),
    Case("asks for discretion ja", A, "confidentiality", C("この件は内密にお願いします")),
    Case("asks for discretion en", A, "confidentiality", C("Please keep this between us.")),
    Case("near miss public information", A, "", C("公開されている情報について質問です")),
]

CASES = REPEATS + CALLS + CONFIDENTIAL
