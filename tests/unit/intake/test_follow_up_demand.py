"""A follow-up may carry a new demand (issue 16): intake records it sealed like a
consultation's, and refuses one on an agent's response, naming the field."""

from typing import Any, cast

import pytest
from pydantic import ValidationError

from services.intake.domain.contacts import Contact
from services.intake.service_layer.messages import LogContact
from tests.unit.intake.conftest import NOW, Running
from tests.unit.intake.test_handlers import opened

DEMAND = {"type": "refund", "amount": {"amount": "4980", "currency": "JPY"}, "details": "返金して"}


def follow_up(kind: str, **changes: Any) -> Contact:
    document = {
        "kind": kind,
        "channel": "email",
        "occurred_at": NOW.isoformat(),
        "body": "やはり返金してほしいです。",
        **changes,
    }
    return Contact.model_validate(document)


async def test_a_customers_follow_up_carries_its_demand_with_the_details_sealed(
    running: Running,
) -> None:
    case = await opened(running)

    await running.intake.handle(
        LogContact(case.case_id, follow_up("customer_contact", demand=DEMAND), "rest")
    )

    logged = running.published()[-1]
    demand = cast(dict[str, Any], logged.payload)["demand"]
    assert logged.type == "contact.logged"
    assert (demand["type"], demand["amount"]["amount"]) == ("refund", "4980")
    assert demand["details"]["enc"] == "v2"
    assert "返金して" not in logged.model_dump_json()


def test_an_agents_response_with_a_demand_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        follow_up("agent_response", demand=DEMAND)

    [error] = refused.value.errors()
    assert error["loc"] == ("demand",)
    assert "only a customer's contact carries a demand" in error["msg"]
