"""Schemathesis over one running service, as `st run --checks all` does it but from Python: every
phase (examples, coverage, fuzzing, stateful, with the links schemathesis finds or infers) and
every built-in check, with a bearer token; what it found, one finding per (operation, check,
failure), each with the request that reproduces it (the token filtered out)."""

import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import StopReason, events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder

DETAIL_CHARS = 600
REQUEST_CHARS = 400
REFUSED = frozenset({401, 403})


@dataclass(frozen=True, slots=True)
class Finding:
    operation: str
    check: str
    failure: str
    detail: str
    request: str

    def __str__(self) -> str:
        return (
            f"{self.operation} [{self.check}] {self.failure}\n"
            f"  {self.detail[:DETAIL_CHARS]}\n  {self.request[:REQUEST_CHARS]}"
        ).replace("\n\n", "\n")


@dataclass
class FuzzRun:
    """What one run found and what it tried: operation label -> statuses answered."""

    seed: int
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    statuses: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    stop_reason: StopReason | None = None
    stateful_transitions: int = 0
    seconds: float = 0.0

    def refused_everywhere(self) -> list[str]:
        """Operations answered only 401/403: the token was not admitted there, so the run
        proved nothing about them."""
        return sorted(label for label, seen in self.statuses.items() if seen <= REFUSED)

    def report(self) -> str:
        lines = [f"seed {self.seed}: {len(self.findings)} findings, {len(self.errors)} errors"]
        lines += [str(finding) for finding in self.findings.values()]
        lines += [f"error: {error}" for error in self.errors]
        return "\n".join(lines)

    def _record(self, recorder: ScenarioRecorder) -> None:
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            if node is not None and interaction.response is not None:
                self.statuses[node.value.operation.label].add(interaction.response.status_code)
        for case_id, checks in recorder.checks.items():
            node = recorder.cases.get(case_id)
            operation = node.value.operation.label if node is not None else recorder.label
            for check in checks:
                if check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                key = (operation, check.name, failure.title)
                self.findings.setdefault(
                    key,
                    Finding(
                        operation,
                        check.name,
                        failure.title,
                        failure.message or "",
                        check.failure_info.code_sample,
                    ),
                )


REFUSED_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428"]
REFUSED_STATUSES += ["429", "431"]
ACCEPTED_OR_EXPLAINED = ["2xx", "3xx", "401", "403", "404", "409", "413", "422", "429"]


def fuzz(url: str, token: str, max_examples: int, max_steps: int) -> FuzzRun:
    """Run schemathesis against the service at `url` (its schema at /openapi.json)."""
    run = FuzzRun(seed=secrets.randbelow(2**32))
    config = SchemathesisConfig.from_dict(
        {
            "seed": run.seed,
            "headers": {"Authorization": f"Bearer {token}"},
            "checks": {  # every built-in check: --checks all
                "enabled": True,
                # A request the schema allows may still be refused with 422 for what no static
                # schema can say: times beyond the server clock's skew or before the case
                # opened, cross-field rules (a reveal needs a purpose, old_size <= new_size),
                # identities that must be exactly one e-mail or phone. Every such 422 names the
                # field and the reason (the other checks hold it to the schema).
                # And no JSON Schema bounds a body's bytes: a list within its maxItems may still
                # be larger than the service reads (413, documented on every route).
                "positive_data_acceptance": {"expected-statuses": ACCEPTED_OR_EXPLAINED},
                # A request the schema forbids may be refused as too large (413) before it is
                # read: schemathesis's list of refusals leaves that status out.
                "negative_data_rejection": {"expected-statuses": REFUSED_STATUSES},
            },
            "generation": {"max-examples": max_examples, "database": "none"},
            "phases": {"stateful": {"max-steps": max_steps}},
            "cache": {"enabled": False},
        }
    )
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)
    schema.config.update(base_url=url)
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            run._record(event.recorder)
        elif isinstance(event, events.PhaseStarted) and event.payload is not None:
            run.stateful_transitions = event.payload.transitions_selected
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"{event.label}: {event.info.title}: {event.value}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            run.stop_reason = event.stop_reason
    run.seconds = time.monotonic() - started
    return run
