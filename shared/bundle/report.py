"""What a bundle check proved, in facts a person can read and a machine can parse: the case, its
events and their times, the checkpoint and its key, the witnesses, completeness and the revealed
fields. `caselog verify` prints it as text or JSON; nothing here is claimed that was not checked.
"""

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import JsonValue

from shared.bundle.check import BundleFailure, BundleVerdict, verify_bundle
from shared.bundle.format import Bundle, BundleFormatError, parse_bundle
from shared.envelope import decode_envelope
from shared.merkle import encoding
from shared.merkle.checkpoint import Checkpoint
from shared.merkle.cosignature import CosignatureVerifier, cosigners
from shared.merkle.keys import NoteVerifier
from shared.merkle.note import parse_note

Result = Literal["verified", "self_consistent_only", "failed"]
REPORT_FORMAT = "caselog.verification.v1"
NOT_PROVED_COMPLETE = (
    "the bundle carries no completeness proof, so events of the case after the last one"
    " shown may have been withheld (completeness not proved)"
)


def proved_complete(events: int, size: int) -> str:
    return (
        f"the log's signed case map at size {size} says the case had exactly these {events}"
        " events, the last one shown ending its chain: none was withheld"
    )


def key_fingerprint(verifier_key: str) -> str:
    """SHA-256 of the verifier key's text, in groups of four: what a person compares by eye."""
    digest = hashlib.sha256(verifier_key.strip().encode("utf-8")).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True)
class TimeSpan:
    first: datetime
    last: datetime


@dataclass(frozen=True)
class ProvedCheckpoint:
    origin: str
    size: int
    root_hash: str  # base64, as the note writes it
    key_fingerprint: str  # of the key that verified the log's signature
    key_trusted: bool  # that key was given by the user, not taken from the bundle


@dataclass(frozen=True)
class Cosignature:
    witness: str
    signed_at: datetime


@dataclass(frozen=True)
class WitnessFacts:
    trusted: tuple[str, ...]  # the witnesses the user named
    quorum: int
    cosigned: tuple[Cosignature, ...]  # those of them whose cosignature verified
    unchecked: tuple[str, ...]  # names of other signature lines on the checkpoint


@dataclass(frozen=True)
class RevealedField:
    event_id: str
    field: str  # dotted path in the event's payload, as records names it
    checked: bool  # its plaintext was checked against a commitment signed by the log


@dataclass(frozen=True)
class ProvedFacts:
    """What a bundle that verified proves; every value here was covered by a check."""

    events: int
    event_types: tuple[tuple[str, int], ...]  # (type, count), by type
    occurred: TimeSpan
    recorded: TimeSpan
    checkpoint: ProvedCheckpoint
    consistency_from: int | None  # size of the older checkpoint in the bundle it extends
    held_size: int | None  # size of the checkpoint the user holds, which it extends
    witnesses: WitnessFacts
    complete: bool
    complete_reason: str
    revealed: tuple[RevealedField, ...]


@dataclass(frozen=True)
class VerificationReport:
    """`proved` is None unless the bundle verified: a bundle that fails a check proves
    nothing, so the report claims nothing of it."""

    result: Result
    case_id: str
    failure: BundleFailure | None = None
    proved: ProvedFacts | None = None


def verification_report(
    data: bytes,
    trusted: Sequence[NoteVerifier] = (),
    held: str | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> VerificationReport:
    """Runs every check of `verify_bundle` on the bundle file's bytes and says what it proved.
    Bytes that are not a bundle fail the format check (the file's subject is "bundle file")."""
    try:
        bundle = parse_bundle(data)
    except BundleFormatError as error:
        return VerificationReport("failed", "", BundleFailure("bundle file", str(error)))
    verdict = verify_bundle(bundle, trusted, held, witnesses, quorum)
    if verdict.failure is not None:
        return VerificationReport("failed", bundle.case_id, verdict.failure)
    return _proved(bundle, verdict, trusted, held, witnesses, quorum)


def _proved(
    bundle: Bundle,
    verdict: BundleVerdict,
    trusted: Sequence[NoteVerifier],
    held: str | None,
    witnesses: Sequence[CosignatureVerifier],
    quorum: int,
) -> VerificationReport:
    """The facts of a bundle that verified; every value read here was covered by a check."""
    envelopes = [decode_envelope(encoding.decode(event.leaf)) for event in bundle.events]
    types = Counter(envelope.type for envelope in envelopes)
    facts = ProvedFacts(
        events=len(envelopes),
        event_types=tuple(sorted(types.items())),
        occurred=_span(envelope.occurred_at for envelope in envelopes),
        recorded=_span(envelope.recorded_at for envelope in envelopes),
        checkpoint=_checkpoint(bundle, trusted),
        consistency_from=_size(bundle.consistency.checkpoint) if bundle.consistency else None,
        held_size=_size(held) if held is not None else None,
        witnesses=_witnesses(bundle, witnesses, quorum),
        complete=verdict.complete,
        complete_reason=proved_complete(len(envelopes), bundle.tree_size)
        if verdict.complete
        else NOT_PROVED_COMPLETE,
        revealed=_revealed(bundle, verdict),
    )
    result: Result = "verified" if verdict.key_trusted else "self_consistent_only"
    return VerificationReport(result, bundle.case_id, proved=facts)


def _span(moments: Iterable[datetime]) -> TimeSpan:
    ordered = sorted(moments)
    return TimeSpan(ordered[0], ordered[-1])


def _size(note: str) -> int:
    return Checkpoint.parse(parse_note(note).text).size


def _checkpoint(bundle: Bundle, trusted: Sequence[NoteVerifier]) -> ProvedCheckpoint:
    note = parse_note(bundle.checkpoint)
    checkpoint = Checkpoint.parse(note.text)
    keys = list(trusted) or [NoteVerifier.parse(bundle.verifier_key)]
    signed = {(signature.name, signature.key_id) for signature in note.signatures}
    log_key = next(
        key for key in keys if key.name == checkpoint.origin and (key.name, key.key_id) in signed
    )
    return ProvedCheckpoint(
        checkpoint.origin,
        checkpoint.size,
        encoding.encode(checkpoint.root_hash),
        key_fingerprint(log_key.key_string()),
        bool(trusted),
    )


def _witnesses(
    bundle: Bundle,
    witnesses: Sequence[CosignatureVerifier],
    quorum: int,
) -> WitnessFacts:
    cosigned = cosigners(bundle.checkpoint, witnesses)
    known = {witness.name for witness in witnesses} | {bundle.origin}
    others = (s.name for s in parse_note(bundle.checkpoint).signatures if s.name not in known)
    return WitnessFacts(
        trusted=tuple(witness.name for witness in witnesses),
        quorum=quorum,
        cosigned=tuple(
            Cosignature(name, datetime.fromtimestamp(time, UTC))
            for name, time in zip(cosigned.witnesses, cosigned.times, strict=True)
        ),
        unchecked=tuple(dict.fromkeys(others)),
    )


def _revealed(bundle: Bundle, verdict: BundleVerdict) -> tuple[RevealedField, ...]:
    checked = set(verdict.revealed_checked)
    return tuple(
        RevealedField(event.event_id, field, (event.event_id, field) in checked)
        for event in bundle.revealed or ()
        for field in event.revealed_fields
    )


def report_text(report: VerificationReport) -> str:
    """The report in plain words; its first line is the verdict."""
    if report.proved is None:
        return (
            f"FAILED: {report.failure}\n"
            "  nothing in this bundle is proved: a bundle that fails one check proves none\n"
        )
    return "".join(line + "\n" for line in _proved_lines(report.case_id, report.proved))


def _proved_lines(case_id: str, facts: ProvedFacts) -> list[str]:
    checkpoint = facts.checkpoint
    if checkpoint.key_trusted:
        lines = [
            f"verified: case {case_id}, {facts.events} events",
            f"  every event is in the tree of {checkpoint.size} signed by {checkpoint.origin}"
            " with the key you trust",
        ]
    else:
        lines = [
            f"SELF-CONSISTENT ONLY: case {case_id}, {facts.events} events, tree of"
            f" {checkpoint.size}",
            "  only self-consistency was checked: the signature was checked with the key inside"
            " the bundle,",
            "  and anyone can sign a forged bundle with a key of their own.",
            "  Pass --key with the log's key from a source you trust (GET /records/v1/log).",
        ]
    if checkpoint.key_trusted and facts.consistency_from is not None:
        lines.append("  and that tree extends the older checkpoint in the bundle")
    types = ", ".join(f"{count} {name}" for name, count in facts.event_types)
    lines += [
        "",
        "What this proves:",
        f"  case        {case_id}",
        f"  events      {facts.events} ({types}): each event's bytes are in the signed tree,",
        "              and they form the case's chain from its first event, none missing between",
        f"  occurred    from {_when(facts.occurred.first)} to {_when(facts.occurred.last)}",
        f"  recorded    from {_when(facts.recorded.first)} to {_when(facts.recorded.last)}",
        f"  checkpoint  size {checkpoint.size}, root hash {checkpoint.root_hash}",
        f"              origin {checkpoint.origin}",
        f"              signed by the key with fingerprint {checkpoint.key_fingerprint}"
        + ("" if checkpoint.key_trusted else " (the bundle's own key, not one you gave)"),
    ]
    if facts.consistency_from is not None:
        lines.append(
            f"  extends     the bundle's older checkpoint of size {facts.consistency_from}"
        )
    if facts.held_size is not None:
        lines.append(f"  extends     your checkpoint of size {facts.held_size}")
    lines += _witness_lines(facts.witnesses)
    proved = "proved" if facts.complete else "not proved"
    lines.append(f"  complete    {proved}: {facts.complete_reason}")
    lines += _revealed_lines(facts.revealed)
    return lines


def _witness_lines(facts: WitnessFacts) -> list[str]:
    if not facts.trusted:
        unchecked = f" ({', '.join(facts.unchecked)} also signed, not checked)" * bool(
            facts.unchecked
        )
        return [
            "  witnesses   none checked (pass --witness): nothing rules out a history shown to"
            f" you alone{unchecked}"
        ]
    lines = [
        f"  witnesses   cosigned by {len(facts.cosigned)} of the {len(facts.trusted)} witnesses"
        f" you trust (quorum {facts.quorum}): {', '.join(c.witness for c in facts.cosigned)}"
    ]
    lines += [f"              {c.witness} at {_when(c.signed_at)}" for c in facts.cosigned]
    if facts.unchecked:
        lines.append(f"              also signed, not checked: {', '.join(facts.unchecked)}")
    return lines


def _revealed_lines(fields: Sequence[RevealedField]) -> list[str]:
    if not fields:
        return ["  revealed    none: the bundle shows personal data only as ciphertext"]
    checked = [field for field in fields if field.checked]
    lines = [
        f"  revealed    {len(fields)} fields in plaintext, {len(checked)} checked against the"
        " log's signed commitment"
    ]
    for field in fields:
        state = "checked" if field.checked else "NOT checked: no signed commitment covers it"
        lines.append(f"              event {field.event_id} {field.field}: {state}")
    return lines


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def report_document(report: VerificationReport) -> dict[str, JsonValue]:
    """The report as JSON values (`format` names this layout); what was not proved is null."""
    failure = report.failure
    facts = report.proved
    return {
        "format": REPORT_FORMAT,
        "result": report.result,
        "case_id": report.case_id,
        "failure": None
        if failure is None
        else {"subject": failure.subject, "reason": failure.reason, "event_id": failure.event_id},
        **(_facts_document(facts) if facts else dict.fromkeys(_FACT_KEYS)),
    }


_FACT_KEYS = (
    "events",
    "checkpoint",
    "consistency_from_size",
    "held_checkpoint_size",
    "witnesses",
    "completeness",
    "revealed",
)


def _facts_document(facts: ProvedFacts) -> dict[str, JsonValue]:
    checkpoint = facts.checkpoint
    witnesses = facts.witnesses
    return {
        "events": {
            "count": facts.events,
            "types": dict(facts.event_types),
            "occurred": _span_document(facts.occurred),
            "recorded": _span_document(facts.recorded),
        },
        "checkpoint": {
            "origin": checkpoint.origin,
            "size": checkpoint.size,
            "root_hash": checkpoint.root_hash,
            "key_fingerprint": checkpoint.key_fingerprint,
            "key_trusted": checkpoint.key_trusted,
        },
        "consistency_from_size": facts.consistency_from,
        "held_checkpoint_size": facts.held_size,
        "witnesses": {
            "trusted": list(witnesses.trusted),
            "quorum": witnesses.quorum,
            "cosigned": [
                {"witness": c.witness, "signed_at": _when(c.signed_at)} for c in witnesses.cosigned
            ],
            "unchecked_signers": list(witnesses.unchecked),
        },
        "completeness": {"proved": facts.complete, "reason": facts.complete_reason},
        "revealed": [
            {"event_id": field.event_id, "field": field.field, "checked": field.checked}
            for field in facts.revealed
        ],
    }


def _span_document(span: TimeSpan) -> JsonValue:
    return {"first": _when(span.first), "last": _when(span.last)}
