"""Where an erased subject's data was, and what is true of each place after the erasure: checked
after the fact (privacy store, live key rows, subject index), pending the key epoch's close
(older copies, the event log's ciphertext), notified (policy, records), or not checked by
privacy at all (raw ingress, intake's ledger). The receipt states exactly this, nothing more.
"""

from collections.abc import Sequence

from services.privacy.domain.cases import CaseRecord
from services.privacy.domain.receipt import Place, PlaceStatus
from services.privacy.service_layer.messages import Identities
from services.privacy.service_layer.ports import PrivacyDependencies
from shared.crypto.epochs import Epoch


async def confirm_places(
    deps: PrivacyDependencies,
    identities: Identities,
    erased: Sequence[CaseRecord],
    forgot: bool,
    forgotten: int,
    event_ids: Sequence[str],
    epoch: Epoch | None,
) -> tuple[Place, ...]:
    """Each place, checked now where privacy can check it, after the keys were destroyed."""
    case_ids = [case.case_id for case in erased]
    kept = await deps.store.kept_events(case_ids)
    tombstones = await deps.keys.tombstones(case_ids)
    shredded = sum(tombstone is not None for tombstone in tombstones.values())
    all_shredded = shredded == len(case_ids)
    still_known = await deps.subjects.still_known(identities)
    by_event = f"on subject.erased ({len(event_ids)} events)" if event_ids else "(nothing erased)"
    until = (
        f"until epoch {epoch.number} closes (no later than {epoch.closes_by.isoformat()})"
        if epoch
        else "(no key destroyed)"
    )
    return (
        Place(
            place="privacy store",
            status=PlaceStatus.CONFIRMED if kept == 0 else PlaceStatus.FAILED,
            detail=f"{kept} kept events of the {len(case_ids)} erased cases remain",
        ),
        Place(
            place="key store (live key rows)",
            status=PlaceStatus.CONFIRMED if all_shredded else PlaceStatus.FAILED,
            detail=f"{shredded} of {len(case_ids)} case keys destroyed in the live table",
        ),
        Place(
            place="key store (older copies: WAL, dead row versions, dumps, backups, replicas)",
            status=PlaceStatus.PENDING if epoch else PlaceStatus.CONFIRMED,
            detail=f"copies of the destroyed key rows stay wrapped under the epoch KEK {until}",
        ),
        _subject_index(forgot, forgotten, still_known),
        Place(
            place="event log (caselog.intake, .policy, .privacy topics; records store)",
            status=(PlaceStatus.PENDING if epoch else PlaceStatus.CONFIRMED)
            if all_shredded
            else PlaceStatus.FAILED,
            detail=(
                "ciphertext only, unchanged so every proof verifies; readable only with an"
                f" older copy of a destroyed key, {until}"
            ),
        ),
        Place(
            place="raw ingress (caselog.ingress and caselog.ingress.dlq)",
            status=PlaceStatus.NOT_CHECKED,
            detail=(
                "platform payloads as received, in plaintext: not reached by this erasure;"
                " they go when intake deletes consumed records and the topics' retention ends"
            ),
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
        Place(
            place="intake ledger (platform ticket mappings)",
            status=PlaceStatus.NOT_CHECKED,
            detail="subject.erased is published for intake; privacy did not check its ledger",
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
        detail=(
            f"{forgotten} entries removed; the identities given lead to no subject (older"
            " copies hold only keyed digests, which lead nowhere without the pepper)"
        ),
    )
