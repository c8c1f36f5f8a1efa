"""Several events applied in one transaction: each once per id, erasure changes in a few
statements with the same outcome as one at a time."""

from datetime import timedelta

from services.privacy.bootstrap import Privacy
from services.privacy.domain.cases import Disposition
from services.privacy.service_layer import changes as c
from tests.unit.privacy.conftest import START, received


async def test_apply_each_applies_each_event_once_and_erases_every_case(privacy: Privacy) -> None:
    kept, unseen = await received(privacy), "case-only-in-privacy-events"
    erased_at, destroyed_at = START + timedelta(hours=1), START + timedelta(minutes=59)
    store = privacy.store
    async with privacy.deps.unit_of_work() as unit:
        assert await unit.store.apply("event-0", [])
        await unit.commit()

    def erasure(case_id: str) -> list[c.Change]:
        return [
            c.CaseErased(case_id, erased_at),
            c.KeyDestroyed(case_id, destroyed_at),
            c.SubjectErased("subject-9", f"request-{case_id}", erased_at),
        ]

    async with privacy.deps.unit_of_work() as unit:
        applied = await unit.store.apply_each(
            [
                ("event-0", erasure("case-seen-before")),
                ("event-1", erasure(kept.case_id)),
                ("event-2", [c.CaseSeen(unseen, "subject-9"), *erasure(unseen)]),
                ("event-1", erasure("case-repeated")),
                (None, []),
            ]
        )
        await unit.commit()

    assert applied == [False, True, True, False, True]
    for case_id in (kept.case_id, unseen):
        case = await store.case(case_id)
        assert case is not None
        assert (case.disposition, case.erased_at, case.key_destroyed_at) == (
            Disposition.ERASED,
            erased_at,
            destroyed_at,
        )
    assert await store.case("case-seen-before") is None
    assert await store.case("case-repeated") is None
    assert await store.kept_events([kept.case_id]) == 0
    assert await store.erasure_of("subject-9") == f"request-{kept.case_id}"
