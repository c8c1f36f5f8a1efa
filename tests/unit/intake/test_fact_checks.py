"""An agent records a fact check (issue 16): intake publishes `fact.checked` with the agent and
the time decided by the server, the note sealed, once per idempotency key; it refuses a check
that establishes nothing, and one on a case that does not exist."""

from datetime import datetime

import pytest
from pydantic import ValidationError

from services.intake.domain.contacts import FactFindings
from services.intake.domain.errors import CaseNotFoundError
from services.intake.service_layer.messages import RecordFactCheck
from tests.unit.intake.conftest import Running
from tests.unit.intake.test_handlers import opened

NOTE = "現物を確認し、底面の溶接不良を確認しました。"


def check(case_id: str, key: str | None = None, **findings: object) -> RecordFactCheck:
    found = FactFindings.model_validate({"note": NOTE} | findings)
    return RecordFactCheck(case_id, found, "agent-7", key)


async def test_the_check_is_published_once_with_the_servers_agent_and_time(
    running: Running,
) -> None:
    case = await opened(running, "T-1")

    accepted = await running.intake.handle(check(case.case_id, "k-1", defect_confirmed=True))
    again = await running.intake.handle(check(case.case_id, "k-1", defect_confirmed=True))

    checked = running.published()[-1]
    assert (checked.type, checked.case_id) == ("fact.checked", case.case_id)
    assert checked.payload["defect_confirmed"] is True
    assert checked.payload["loss_confirmed"] is None
    assert checked.payload["checked_by"] == "agent-7"
    assert datetime.fromisoformat(checked.payload["checked_at"]) == running.clock.now
    assert NOTE not in str(checked.payload)
    assert again.event_id == accepted.event_id
    assert [e.type for e in running.published()].count("fact.checked") == 1


def test_a_check_that_establishes_nothing_or_names_its_own_agent_is_refused() -> None:
    with pytest.raises(ValidationError, match="defect_confirmed or loss_confirmed"):
        FactFindings.model_validate({"note": NOTE})
    with pytest.raises(ValidationError, match="checked_by"):
        FactFindings.model_validate({"defect_confirmed": True, "checked_by": "someone-else"})


async def test_a_check_on_no_case_is_refused(running: Running) -> None:
    with pytest.raises(CaseNotFoundError):
        await running.intake.handle(check("no-such-case", defect_confirmed=False))
    assert "fact.checked" not in [e.type for e in running.published()]
