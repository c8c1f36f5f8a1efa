"""The retention sweep's plan and report: what expired, what a hold keeps, what is late."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from services.privacy.domain.cases import CaseRecord, CopyMeta, Disposition
from services.privacy.domain.holds import BlockingHold, Hold, blocking
from services.privacy.domain.retention import Period, RecordKind, RetentionRules


class SweepItem(BaseModel):
    """One expired record. `overdue`: it expired more than one sweep interval before `as_of`,
    so a scheduled sweep should already have handled it."""

    model_config = ConfigDict(frozen=True)

    kind: RecordKind
    case_id: str
    copy_id: str | None = None
    closure_reason: str | None
    closed_at: datetime
    rule: str = Field(description="The period applied (ISO 8601), counted from closure")
    retention_ends_at: datetime
    overdue: bool
    holds: tuple[BlockingHold, ...] = ()
    error: str | None = None


class SweepReport(BaseModel):
    """`due`: expired and not held (acted on unless `dry_run`); `overdue`: the late ones among
    them; `held`: expired but kept, with the holds that keep them (a released hold names the
    end of its cooling-off); `done`: completed now; `failed`: attempted and not completed
    (retried by the next sweep), with the reason; `holds_due_for_review`: active holds whose
    matter's limitation period has ended, for legal to release or keep."""

    run_id: str
    as_of: datetime
    dry_run: bool
    due: list[SweepItem] = []
    overdue: list[SweepItem] = []
    held: list[SweepItem] = []
    done: list[SweepItem] = []
    failed: list[SweepItem] = []
    holds_due_for_review: list[Hold] = []


def expired_items(
    cases: Iterable[CaseRecord],
    copies: Iterable[CopyMeta],
    holds: Iterable[Hold],
    rules: RetentionRules,
    as_of: datetime,
    grace: timedelta,
    cooling_off: Period,
) -> list[SweepItem]:
    """Every record whose retention ended by `as_of`, case records first, each with its holds
    (active ones, and released ones still within `cooling_off` of their release).

    Holds apply to case records and recordings; anonymized copies hold no personal data and
    are not the case's record, so no hold keeps them.
    """
    holds = list(holds)
    items: list[SweepItem] = []
    for case in cases:
        if case.closed_at is None or case.disposition is Disposition.ERASED:
            continue
        kinds = []
        if not case.shredded:
            kinds.append(RecordKind.CASE_RECORD)
            recording = case.has_recording and case.recording_expired_at is None
            if recording and case.disposition is Disposition.KEPT:
                kinds.append(RecordKind.CALL_RECORDING)
        for kind in kinds:
            item = _item(rules, kind, case.case_id, None, case.closure_reason, case.closed_at)
            if item is None or item.retention_ends_at > as_of:
                continue
            found = tuple(
                blocking(holds, case.case_id, case.subject_id, at=as_of, cooling_off=cooling_off)
            )
            items.append(item.model_copy(update={"holds": found}))
    for copy in copies:
        item = _item(
            rules,
            RecordKind.ANONYMIZED_COPY,
            copy.case_id,
            copy.copy_id,
            copy.closure_reason,
            copy.closed_at,
        )
        if item is not None and item.retention_ends_at <= as_of:
            items.append(item)
    items = [i.model_copy(update={"overdue": i.retention_ends_at + grace < as_of}) for i in items]
    order = list(RecordKind)
    return sorted(items, key=lambda i: (order.index(i.kind), i.retention_ends_at, i.case_id))


def _item(
    rules: RetentionRules,
    kind: RecordKind,
    case_id: str,
    copy_id: str | None,
    reason: str | None,
    closed_at: datetime,
) -> SweepItem | None:
    ends = rules.ends_at(kind, reason, closed_at)
    if ends is None:
        return None
    return SweepItem(
        kind=kind,
        case_id=case_id,
        copy_id=copy_id,
        closure_reason=reason,
        closed_at=closed_at,
        rule=rules.describe(kind, reason),
        retention_ends_at=ends,
        overdue=False,
    )


def report(run_id: str, as_of: datetime, dry_run: bool, items: list[SweepItem]) -> SweepReport:
    """The report before acting: `done` and `failed` are filled in by whoever acts."""
    due = [item for item in items if not item.holds]
    return SweepReport(
        run_id=run_id,
        as_of=as_of,
        dry_run=dry_run,
        due=due,
        overdue=[item for item in due if item.overdue],
        held=[item for item in items if item.holds],
    )
