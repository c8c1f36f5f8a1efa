"""B13's case index: `count` cases made from one real case's fold (its policy version and
decision shape), spread over two years and varied as a support desk's cases vary, bulk-inserted
through the index's own adapter (`SqlCaseIndex.insert_views`).

Deterministic (a seeded generator), so every run searches the same cases; the queries B13 sends
are chosen from them (`Probes`), so each finds what it looks for.
"""

import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from services.records.domain.case_view import CaseView, Decision, Hold

START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
PLATFORMS = ("rest", "zendesk", "freshdesk", "salesforce")
CHANNELS = (("phone", 0.6), ("email", 0.4))
STATUSES = (("decided", 0.7), ("closed", 0.2), ("open", 0.1))
OUTCOMES = (
    ("accept", 0.7, ("legitimate-complaint", "demand-validity")),
    ("restrict", 0.12, ("demand-proportionality",)),
    ("refuse", 0.1, ("conduct", "repeat")),
    ("escalate", 0.08, ("conduct", "damages")),
)
HELD, ANONYMIZED, ERASED = 0.01, 0.03, 0.01


@dataclass(frozen=True)
class Probes:
    """Values B13's queries look for: a ticket that exists, and a day in the middle."""

    ticket: str
    day: datetime


def case_views(template: CaseView, count: int, seed: int = 17) -> tuple[list[CaseView], Probes]:
    rng = random.Random(seed)  # noqa: S311 - made-up cases, not secrets
    views = [_varied(template, n, count, rng) for n in range(count)]
    middle = views[count // 2]
    opened = middle.opened_at or START
    day = opened.replace(hour=0, minute=0, second=0, microsecond=0)
    return views, Probes(middle.ticket or "", day)


def _varied(template: CaseView, n: int, count: int, rng: random.Random) -> CaseView:
    opened = START + SPAN * (n / count) + timedelta(seconds=rng.randrange(3600))
    status = _pick(rng, STATUSES)
    outcome, _, rules = OUTCOMES[_index(rng, [weight for _, weight, _ in OUTCOMES])]
    decisions = [] if status == "open" else [_decision(template, outcome, rules, opened)]
    case_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    held = rng.random() < HELD
    return replace(
        template,
        case_id=case_id,
        status=status,
        subject_id=uuid.UUID(int=rng.getrandbits(128), version=4).hex,
        channel=_pick(rng, CHANNELS),
        platform=rng.choice(PLATFORMS),
        ticket=f"T-{n:07d}",
        opened_at=opened,
        last_occurred_at=opened + timedelta(hours=rng.randrange(1, 400)),
        events=rng.randrange(3, 40),
        contacts=rng.randrange(0, 15),
        decisions=decisions,
        holds={"h": Hold(f"hold-{n}", f"LIT-{n}", opened)} if held else {},
        anonymized=rng.random() < ANONYMIZED,
        erased=rng.random() < ERASED,
    )


def _decision(
    template: CaseView, outcome: str, rules: tuple[str, ...], opened: datetime
) -> Decision:
    shape = template.decisions[-1]
    return replace(shape, outcome=outcome, rules=rules, occurred_at=opened + timedelta(minutes=1))


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return weighted[_index(rng, [weight for _, weight in weighted])][0]


def _index(rng: random.Random, weights: list[float]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]
