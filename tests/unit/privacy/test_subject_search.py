"""The subject search through privacy's bootstrap: a known subject's cases with their state and
holds, none for an unknown identity, exactly one identity and a purpose; every search published
as `subject.searched` (one per case found) without the identity in any written form."""

import pytest

from services.privacy.bootstrap import Privacy
from services.privacy.domain.errors import InvalidRequestError
from services.privacy.service_layer.messages import Identities, PlaceHold, SearchSubject
from shared.auth.roles import Role
from tests.integration.personal_forms import leaks
from tests.unit.privacy.conftest import RecordingBus, received
from tests.unit.privacy.samples import EMAIL, PHONE


def searching(**identity: str) -> SearchSubject:
    return SearchSubject(Identities(**identity), "legal-1", {Role.LEGAL}, " Matter 12 ", "M-12")


async def test_the_subjects_cases_are_found_with_their_holds_and_the_search_recorded_on_each(
    privacy: Privacy, bus: RecordingBus
) -> None:
    closed, still_open = await received(privacy), await received(privacy, closed_at=None)
    await privacy.handle(PlaceHold("M-12", "litigation", "legal-1", case_id=closed.case_id))

    found = await privacy.handle(searching(phone=PHONE))

    by_case = {case.case_id: case for case in found.cases}
    assert set(by_case) == {closed.case_id, still_open.case_id}
    assert (by_case[closed.case_id].state, by_case[closed.case_id].held) == ("closed", True)
    assert (by_case[still_open.case_id].state, by_case[still_open.case_id].held) == ("open", False)
    recorded = bus.envelopes("subject.searched")
    assert sorted(e.case_id for e in recorded) == sorted(by_case)
    assert sorted(str(e.event_id) for e in recorded) == sorted(found.recorded_event_ids)
    assert {e.payload["purpose"] for e in recorded} == {"Matter 12"}
    assert recorded[0].payload["roles"] == ["legal"]
    published = b"".join(message.value for message in bus.published)
    assert leaks(published, [EMAIL, PHONE]) == []


async def test_an_unknown_identity_finds_nothing_and_is_recorded_on_the_searchs_own_id(
    privacy: Privacy, bus: RecordingBus
) -> None:
    found = await privacy.handle(searching(email="nobody@example.net"))

    assert found.cases == ()
    [recorded] = bus.envelopes("subject.searched")
    assert recorded.case_id == found.search_id
    assert recorded.payload["case_ids"] == []
    assert b"nobody" not in bus.published[-1].value


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (searching(email=EMAIL, phone=PHONE), "email"),
        (searching(), "email"),
        (SearchSubject(Identities(email=EMAIL), "legal-1", {Role.LEGAL}, "  "), "purpose"),
        (
            SearchSubject(Identities(email=EMAIL), "legal-1", {Role.LEGAL}, f"for {EMAIL}"),
            "purpose",
        ),
        (SearchSubject(Identities(email="not an address"), "legal-1", {Role.LEGAL}, "M"), "email"),
    ],
)
async def test_one_identity_and_a_purpose_are_required_and_nothing_is_recorded_otherwise(
    privacy: Privacy, bus: RecordingBus, command: SearchSubject, field: str
) -> None:
    with pytest.raises(InvalidRequestError) as refused:
        await privacy.handle(command)

    assert refused.value.field == field
    assert EMAIL not in str(refused.value)
    assert bus.envelopes("subject.searched") == []
