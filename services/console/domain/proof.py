"""Proof for legal: the checks `caselog verify` runs on a bundle (shared.bundle.check), as a
list a page shows passed or failed, and the exhibit's per-event proof summary.

The key is pinned from configuration: a bundle carries its own key, which proves nothing
about who signed it (a forger brings one), so without a pinned key no check can pass.
"""

import re
from dataclasses import dataclass

from shared.bundle.check import BundleVerdict, verify_bundle
from shared.bundle.format import Bundle, BundleFormatError, parse_bundle
from shared.bundle.report import key_fingerprint
from shared.errors import CaselogError
from shared.ids import IDENTIFIER_PATTERN
from shared.merkle import encoding
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteVerifier

CHECKS = ("format", "key", "signature", "events", "consistency")
# Which check each failure subject of shared.bundle.check belongs to.
_FAILED_CHECK = {"verifier key": "key", "checkpoint": "signature", "witnesses": "signature"}


@dataclass(frozen=True)
class Check:
    name: str  # one of CHECKS; its text is in messages ("proof.check.<name>")
    state: str  # "passed", "failed" or "not_run" (an earlier check failed)
    reason: str = ""  # the verifier's own words, naming an event or a field, never a value


@dataclass(frozen=True)
class EventProof:
    event_id: str
    leaf_index: int
    case_position: int
    leaf_hash: str  # hex of the RFC 9162 leaf hash
    proof_length: int  # hashes in the audit path


@dataclass(frozen=True)
class ProofReport:
    checks: tuple[Check, ...]
    bundle: Bundle | None
    checkpoint: str
    root_hash: str
    fingerprint: str
    events: tuple[EventProof, ...]

    @property
    def verified(self) -> bool:
        return all(check.state == "passed" for check in self.checks)

    @property
    def case_id(self) -> str | None:
        """The case the bundle names, if shaped as caselog's ids are: a file someone was
        given may hold anything there, and a page repeats only what can be an id."""
        named = self.bundle.case_id if self.bundle else ""
        return named if re.match(IDENTIFIER_PATTERN, named) else None


def check_bundle(data: bytes, pinned_key: str | None) -> ProofReport:
    """Every check of `caselog verify --key <pinned>` on the bundle's bytes, each named."""
    try:
        bundle = parse_bundle(data)
    except BundleFormatError as error:
        return ProofReport(_checks("format", str(error)), None, "", "", "", ())
    try:
        trusted = [NoteVerifier.parse(pinned_key)] if pinned_key else []
    except CaselogError as error:
        return _report(bundle, _checks("key", f"the configured key: {error}"), None)
    if not trusted:
        return _report(bundle, _checks("key", "no log key is configured to check against"), None)
    verdict = verify_bundle(bundle, trusted)
    return _report(bundle, _verdict_checks(verdict, bundle), pinned_key)


def _verdict_checks(verdict: BundleVerdict, bundle: Bundle) -> tuple[Check, ...]:
    if verdict.failure is None:
        passed = tuple(Check(name, "passed") for name in CHECKS)
        if bundle.consistency is None:
            return passed[:-1]
        return passed
    subject = verdict.failure.subject
    failed = _FAILED_CHECK.get(subject) or ("consistency" if "consistency" in subject else "events")
    reason = str(verdict.failure)
    event_id = verdict.failure.event_id
    if event_id and not re.match(IDENTIFIER_PATTERN, event_id):
        reason = reason.replace(event_id, "?")  # not an id: the bundle's text, not repeated
    return _checks(failed, reason)


def _checks(failed: str, reason: str) -> tuple[Check, ...]:
    at = CHECKS.index(failed)
    return tuple(
        Check(
            name,
            "passed" if i < at else "failed" if i == at else "not_run",
            reason if i == at else "",
        )
        for i, name in enumerate(CHECKS)
    )


def _report(bundle: Bundle, checks: tuple[Check, ...], pinned_key: str | None) -> ProofReport:
    """The fingerprint is the pinned key's: the one the checks trusted (empty without)."""
    lines = bundle.checkpoint.splitlines()
    return ProofReport(
        checks,
        bundle,
        bundle.checkpoint,
        lines[2] if len(lines) > 2 else "",
        key_fingerprint(pinned_key) if pinned_key else "",
        tuple(
            _event_proof(
                event.event_id,
                event.leaf_index,
                event.case_position,
                event.leaf,
                len(event.inclusion_proof),
            )
            for event in bundle.events
        ),
    )


def _event_proof(
    event_id: str, index: int, position: int, leaf: str, proof_length: int
) -> EventProof:
    try:
        hashed = leaf_hash(encoding.decode(leaf)).hex()
    except ValueError:
        hashed = ""
    return EventProof(event_id, index, position, hashed, proof_length)
