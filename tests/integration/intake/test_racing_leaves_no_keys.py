"""A repeated consultation, racing the first or retried after it, leaves nothing in the key store:
no data key for a case id that was then discarded, no subject links for identities it alone gave."""

import asyncio
import uuid

import asyncpg
from sqlalchemy.engine import make_url

from shared.crypto.identities import email_identity
from shared.crypto.runtime import build_personal_data
from shared.settings import CaselogSettings
from tests.integration.intake.conftest import AppFactory, consultation


async def case_ids(database_url: str, table: str) -> set[str]:
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        return {row["case_id"] for row in await connection.fetch(f"SELECT case_id FROM {table}")}
    finally:
        await connection.close()


async def test_racing_and_retried_repeats_create_no_key_and_no_link(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    body = consultation(f"ticket-{uuid.uuid4().hex[:10]}")
    someone_else = "someone.else@example.jp"
    async with intake_client() as client:
        racing = await asyncio.gather(
            *(client.post("/v1/consultations", json=body) for _ in range(8))
        )
        # The same ticket again, with other contact details: a repeat all the same.
        customer = {**body["customer"], "email": someone_else, "phone": None}
        retried = await client.post("/v1/consultations", json={**body, "customer": customer})
    assert {r.status_code for r in [*racing, retried]} == {202}
    [case_id] = {r.json()["case_id"] for r in [*racing, retried]}

    # Other runs on the shared broker may feed this intake ingress consultations: every key
    # must belong to a case the ledger kept, not only this test's.
    keyed = await case_ids(intake_settings.keystore_url, "caselog_data_keys")
    opened = await case_ids(intake_settings.database_url, "intake_cases")
    assert case_id in keyed
    assert keyed - opened == set(), "data keys of cases that were never recorded"
    personal = build_personal_data(intake_settings)
    try:
        assert await personal.subjects.lookup(email_identity(someone_else)) is None
    finally:
        await personal.close()
