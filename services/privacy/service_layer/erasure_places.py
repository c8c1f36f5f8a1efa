"""Every place that held the erased subject's data, each checked after the fact or named as
notified: the receipt lists them all."""

from collections.abc import Sequence

from services.privacy.domain.cases import CaseRecord
from services.privacy.domain.receipt import Place, PlaceStatus
from services.privacy.service_layer.dependencies import PrivacyDependencies
from services.privacy.service_layer.ports import Identities


async def confirm_places(
    deps: PrivacyDependencies,
    identities: Identities,
    erased: Sequence[CaseRecord],
    forgot: bool,
    forgotten: int,
    event_ids: Sequence[str],
) -> tuple[Place, ...]:
    case_ids = [case.case_id for case in erased]
    kept = await deps.store.kept_events(case_ids)
    tombstones = await deps.keys.tombstones(case_ids)
    shredded = sum(tombstone is not None for tombstone in tombstones.values())
    still_known = await deps.subjects.still_known(identities)
    by_event = f"on subject.erased ({len(event_ids)} events)" if event_ids else "(nothing erased)"
    return (
        Place(
            place="privacy store",
            status=PlaceStatus.CONFIRMED if kept == 0 else PlaceStatus.FAILED,
            detail=f"{kept} kept events of the {len(case_ids)} erased cases remain",
        ),
        Place(
            place="key store",
            status=PlaceStatus.CONFIRMED if shredded == len(case_ids) else PlaceStatus.FAILED,
            detail=f"{shredded} of {len(case_ids)} case keys destroyed",
        ),
        _subject_index(forgot, forgotten, still_known),
        Place(
            place="event log (caselog topics, records store)",
            status=PlaceStatus.CONFIRMED if shredded == len(case_ids) else PlaceStatus.FAILED,
            detail="ciphertext only, unchanged so every proof verifies; no key opens it any more",
        ),
        Place(
            place="policy subject state",
            status=PlaceStatus.NOTIFIED,
            detail=f"drops the subject's state {by_event}",
        ),
        Place(
            place="records read model",
            status=PlaceStatus.NOTIFIED,
            detail=f"blanks the erased cases {by_event}",
        ),
    )


def _subject_index(forgot: bool, forgotten: int, still_known: bool) -> Place:
    if not forgot:
        return Place(
            place="subject index",
            status=PlaceStatus.KEPT,
            detail="kept while held cases remain; ask again once the holds are released",
        )
    return Place(
        place="subject index",
        status=PlaceStatus.FAILED if still_known else PlaceStatus.CONFIRMED,
        detail=f"{forgotten} entries removed; the e-mail and phone given lead to no subject",
    )
