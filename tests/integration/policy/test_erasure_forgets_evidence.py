"""Issue 13, item 6: after `subject.erased`, nothing policy derived from the erased text stays
in its database. Every row of every policy table is read back as bytes and searched for what
the erased case's decision held (its offsets, the terms found, its event id); the case not
erased keeps its decision for exactly-once re-sending. On SQLite and on PostgreSQL."""

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.policy.adapters.tables import metadata, policy_versions
from services.policy.bootstrap import PolicyService, bootstrap
from services.policy.entrypoints import consumers
from shared.bus.envelopes import envelope_message
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.envelope import Envelope
from shared.settings import load_settings
from tests.integration.databases import fresh_database
from tests.unit.policy.intake_envelopes import consultation, sealed
from tests.unit.policy.privacy_envelopes import subject_erased

REPO_ROOT = Path(__file__).resolve().parents[3]

ERASED_BODY = "ふざけるな。殺すぞ。SNSに晒すからな。返金しろ。"
KEPT_BODY = "バカ。返金してください。"


@pytest.fixture(params=["sqlite", "postgresql"])
async def service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[PolicyService]:
    """Policy as bootstrap wires it, its decision store on SQLite or on PostgreSQL."""
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}"
        else:
            url = await stack.enter_async_context(
                fresh_database(request.getfixturevalue("postgres_url"))
            )
        settings = load_settings(
            service_name="policy",
            bus="embedded",
            embedded_bus_path=tmp_path / "bus.sqlite3",
            database_url=url,
            keystore_url=f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}",
            topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
        )
        service = bootstrap(settings)
        async with service.running():
            yield service
        await service.infrastructure.engine.dispose()


def consumed(topic: str, envelope: Envelope) -> ConsumedMessage:
    message = envelope_message(topic, envelope)
    return ConsumedMessage(topic, 0, 0, message.key, message.value)


async def decided(service: PolicyService, envelope: Envelope) -> list[OutgoingMessage]:
    return await consumers.decide([consumed("caselog.intake", envelope)], service.deps)


async def every_byte(engine: AsyncEngine) -> str:
    """Every value of every row of every policy table, as text. The policy file's own text
    (which lists every lexicon term) is left out: it is policy data, not derived from a case."""
    found = []
    async with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                for column, value in row._mapping.items():
                    if table is policy_versions and column != "version":
                        continue
                    found.append(value.decode() if isinstance(value, bytes) else str(value))
    return "\n".join(found)


def derived(decision_message: bytes) -> list[str]:
    """What a decision message carries that comes from its case's text: its event id, each
    text evidence item (field, category, term, offsets). The bodies differ, so the case kept
    cites none of these."""
    sent = json.loads(decision_message)
    reasons = sent["payload"]["reasons"]
    evidence = [e for r in reasons for e in r["evidence"] if e["kind"] == "text"]
    assert evidence, "the decision cites the text"
    # As the message spells them (sorted keys, no spaces): offsets and terms together.
    items = [
        json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for e in evidence
    ]
    return [sent["event_id"], *items]


async def test_after_erasure_no_policy_table_holds_anything_derived_from_the_erased_text(
    service: PolicyService,
) -> None:
    codec, database = service.personal.codec, service.infrastructure.engine
    erased_input = await sealed(
        codec, consultation(ERASED_BODY), case_id="case-erased", subject_id="subj-erased"
    )
    kept_input = await sealed(
        codec, consultation(KEPT_BODY), case_id="case-kept", subject_id="subj-kept"
    )
    [erased_decision] = await decided(service, erased_input)
    [kept_decision] = await decided(service, kept_input)
    needles = derived(erased_decision.value)
    before = await every_byte(database)
    assert [n for n in needles if n not in before] == [], "the scan looks where they are"

    erasure = subject_erased("subj-erased", "case-erased")
    for _ in range(2):  # redelivered: idempotent
        await consumers.act_on_privacy(consumed("caselog.privacy", erasure), service.deps)

    after = await every_byte(database)
    assert [needle for needle in needles if needle in after] == []
    assert "case-erased" not in after.replace("case:case-erased", "")  # only the marker
    # Exactly once still: the erased input is known as processed, not decided again; the
    # other case re-sends its decision byte for byte.
    assert await decided(service, erased_input) == []
    assert await decided(service, kept_input) == [kept_decision]
