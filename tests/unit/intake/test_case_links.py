"""An agent links a case to an earlier case of the same customer (issue 16: one matter): intake
records `case.linked` once, and refuses, naming `linked_case_id`, a link policy could not keep."""

import pytest

from services.intake.domain.contacts import CaseLink
from services.intake.domain.errors import CaseNotFoundError, InvalidRequestError
from services.intake.service_layer.messages import LinkCase
from tests.unit.intake.conftest import Running
from tests.unit.intake.test_handlers import opened, received


def link(case_id: str, linked_case_id: str, key: str | None = None) -> LinkCase:
    return LinkCase(case_id, CaseLink(linked_case_id=linked_case_id), "agent-1", key)


async def test_a_link_to_the_same_customers_case_is_published_once_per_key(
    running: Running,
) -> None:
    first, second = await opened(running, "T-1"), await opened(running, "T-2")

    accepted = await running.intake.handle(link(second.case_id, first.case_id, "k-1"))
    again = await running.intake.handle(link(second.case_id, first.case_id, "k-1"))

    linked = running.published()[-1]
    assert (linked.type, linked.case_id) == ("case.linked", second.case_id)
    assert linked.payload == {"linked_case_id": first.case_id}
    assert again.event_id == accepted.event_id
    assert [e.type for e in running.published()].count("case.linked") == 1


async def test_links_policy_could_not_keep_are_refused_naming_the_field(
    running: Running,
) -> None:
    case = await opened(running, "T-1")
    other = await running.intake.handle(
        received("T-9", customer={"name": "佐藤 一郎", "email": "ichiro.sato@example.jp"})
    )

    for linked_case_id, reason in [
        ("no-such-case", "no case with this id exists"),
        (case.case_id, "a case cannot be linked to itself"),
        (other.case_id, "the cases are not of the same identified customer"),
    ]:
        with pytest.raises(InvalidRequestError) as refused:
            await running.intake.handle(link(case.case_id, linked_case_id))
        assert (refused.value.field, str(refused.value)) == (
            "linked_case_id",
            f"linked_case_id: {reason}",
        )
    with pytest.raises(CaseNotFoundError):
        await running.intake.handle(link("no-such-case", case.case_id))
    assert "case.linked" not in [e.type for e in running.published()]
