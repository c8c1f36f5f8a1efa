"""What B12 and B13 seed: real cases through intake's HTTP API and the pipeline (policy decides
them, records stores them), then many more events or index rows copied from those, written
fast through records' own paths rather than one consultation at a time over HTTP.

The copies are what the system really stores: each copied event keeps its template's type,
producer and payload shape, gets a new id and times, its causation pointing at the copy of its
template's cause, and its personal fields sealed again for the new event id under the case's own
data key (the associated data binds a ciphertext to its event), so a reveal could read them.
"""

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bench.console.stack import ConsoleStack
from services.intake.entrypoints.examples import JAPANESE
from services.records.bootstrap import Records
from services.records.domain.case_view import CaseView, project_case
from services.records.domain.events import Origin, ReceivedEvent
from services.records.domain.timeline import CaseEvent
from services.records.service_layer.messages import AppendBatch
from shared.auth.roles import Role
from shared.contracts.registry import CONTRACTS
from shared.crypto.fields import FieldClass
from shared.crypto.grants import Reader
from shared.envelope import Envelope
from shared.ids import new_event_id
from shared.settings import DEFAULT_TOPICS

SETTLE_TIMEOUT_S = 60.0
SETTLED_S = 1.0  # policy decides a batch of contacts at once: no fixed count to wait for
APPEND_BATCH = 500
# A long dispute: the customer writes again and again, the agent answers, policy decides each.
CONTACTS = (
    ("customer_contact", "まだ水が漏れています。早く交換してください。"),
    ("agent_response", "ご不便をおかけしております。交換品を本日発送いたしました。"),
    ("customer_contact", "届いた交換品も同じところから漏れます。返金してください。"),
    ("agent_response", "確認いたします。底面の写真をお送りいただけますか。"),
)
EVERY_CLASS = Reader("bench", frozenset(FieldClass))
TOPIC_OF = {"intake": DEFAULT_TOPICS.intake, "policy": DEFAULT_TOPICS.policy}


@dataclass(frozen=True)
class SeededCase:
    case_id: str
    events: int  # as records holds them once policy has decided


async def decided_case(stack: ConsoleStack, ticket: str, contacts: int) -> SeededCase:
    """A consultation (intake's Japanese example) and `contacts` follow-ups over intake's HTTP
    API, back once records holds policy's decisions: one per batch of contacts policy read
    at once, so 3 to 2 + 2 * contacts events."""
    platform, agent = stack.headers(Role.PLATFORM), stack.headers(Role.AGENT)
    body = {**JAPANESE, "source": {"external_id": ticket}}
    opened = await stack.api.post("/intake/v1/consultations", json=body, headers=platform)
    opened.raise_for_status()
    case_id: str = opened.json()["case_id"]
    received = datetime.fromisoformat(JAPANESE["received_at"])
    for n in range(contacts):
        kind, text = CONTACTS[n % len(CONTACTS)]
        contact = {
            "kind": kind,
            "channel": "phone",
            "occurred_at": (received + timedelta(hours=n + 1)).isoformat(),
            "body": text,
        }
        logged = await stack.api.post(
            f"/intake/v1/cases/{case_id}/contacts", json=contact, headers=agent
        )
        logged.raise_for_status()
    return SeededCase(case_id, await _settled(stack, case_id, at_least=contacts + 2))


async def lengthen(records: Records, template: str, case_id: str, total: int) -> None:
    """Appends copies of `template`'s events after its consultation, in its order, to `case_id`
    (which holds as many events as `template`) until it holds `total`, through records' own
    append path (`AppendBatch`, as its consumer appends a batch from the bus)."""
    source = [CaseEvent.of(event).envelope for event in await records.store.case_events(template)]
    target = await records.store.case_events(case_id)
    follow_ups = source[1:]
    last = CaseEvent.of(target[-1]).envelope
    batch: list[ReceivedEvent] = []
    copies: dict[str, str] = {}  # template event id -> its latest copy's
    for n in range(total - len(target)):
        original = follow_ups[n % len(follow_ups)]
        moment = last.occurred_at + timedelta(minutes=30 * (n + 1))
        copy = await _copied(records, original, case_id, last.subject_id, moment, copies)
        copies[str(original.event_id)] = str(copy.event_id)
        batch.append(ReceivedEvent(copy, Origin(TOPIC_OF[copy.producer], 0, n)))
        if len(batch) == APPEND_BATCH:
            await records.handle(AppendBatch(tuple(batch)))
            batch = []
    if batch:
        await records.handle(AppendBatch(tuple(batch)))


async def folded_view(records: Records, case_id: str) -> CaseView:
    """The case as records' fold makes it (what the case index keeps per case)."""
    stored = await records.store.case_events(case_id)
    return project_case(case_id, (CaseEvent.of(event).envelope for event in stored))


async def _copied(
    records: Records,
    original: Envelope,
    case_id: str,
    subject_id: str | None,
    moment: datetime,
    copies: dict[str, str],
) -> Envelope:
    event_id = new_event_id()
    payload: dict[str, Any] = dict(original.payload)
    if "occurred_at" in payload:  # a contact's own time, as the client sent it
        payload["occurred_at"] = moment.isoformat()
    contract = CONTRACTS.get(original.type, original.schema_version)
    if contract.personal_fields:
        codec = records.personal.codec
        plain = await codec.decrypt(
            original.payload,
            contract.payload,
            case_id=original.case_id,
            event_id=original.event_id,
            reader=EVERY_CLASS,
        )
        if "occurred_at" in plain:
            plain["occurred_at"] = payload["occurred_at"]
        model = contract.payload.model_validate_json(json.dumps(plain))
        payload = await codec.encrypt(model, case_id=case_id, event_id=event_id)
    cause = original.causation_id
    return original.model_copy(
        update={
            "event_id": event_id,
            "case_id": case_id,
            "subject_id": subject_id,
            "occurred_at": moment,
            "recorded_at": moment + timedelta(seconds=2),
            "causation_id": copies.get(cause, cause) if cause else None,
            "payload": payload,
        }
    )


async def _settled(stack: ConsoleStack, case_id: str, at_least: int) -> int:
    """The case's event count once it holds `at_least` and has not grown for `SETTLED_S`."""
    legal, clock = stack.headers(Role.LEGAL), asyncio.get_running_loop().time
    deadline, seen, since = clock() + SETTLE_TIMEOUT_S, 0, clock()
    while clock() < deadline:
        found = await stack.api.get(f"/records/v1/cases/{case_id}", headers=legal)
        count = found.json()["events"] if found.status_code == 200 else 0
        if count != seen:
            seen, since = count, clock()
        elif count >= at_least and clock() - since >= SETTLED_S:
            return count
        await asyncio.sleep(0.1)
    raise RuntimeError(f"a seeded case held {seen} events, not yet {at_least} and settled")
