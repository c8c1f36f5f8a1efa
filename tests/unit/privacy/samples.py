"""Intake-shaped cases for privacy tests, made with intake's own models and sealed by the codec
intake uses (so privacy's read models cannot drift from intake's unnoticed). The subject's
values appear in the free text in many written forms."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import ClosureRequest, Contact, RecordingReference
from services.intake.domain.events import (
    CLOSURE_REQUESTED,
    CONSULTATION_RECEIVED,
    CONTACT_LOGGED,
    RECORDING_ATTACHED,
)
from services.privacy.domain.events import KEYS_EPOCH_CLOSED, EpochClosed
from shared.crypto.codec import FieldCodec
from shared.crypto.identities import email_identity, phone_identity
from shared.crypto.subjects import SubjectIndex
from shared.envelope import Envelope
from shared.ids import new_event_id, new_identifier
from tests.integration.personal_forms import full_width

NAME, EMAIL, PHONE = "山田 花子", "hanako.yamada@example.jp", "090-2345-6789"
SECRET_NOTE = "夫には内緒にしてください"
POSTAL, ADDRESS = "150-0001", "東京都渋谷区神宮前1-2-3"
RECORDING_URI = "https://recordings.example.jp/calls/2026/11/02/a1b2c3.wav"
NAME_PARTS = ["山田", "花子", "hanako", "yamada"]


@dataclass(frozen=True)
class Person:
    """A data subject; their values appear in the free text in many written forms."""

    name: str = NAME
    email: str = EMAIL
    phone: str = PHONE

    def values(self) -> list[str]:
        """Every personal value (scanned for in all their written forms)."""
        return [self.name, self.email, self.phone, SECRET_NOTE, POSTAL, ADDRESS, RECORDING_URI]

    def body(self) -> str:
        compact = self.name.replace(" ", "")
        return (
            f"{compact}です。{full_width(self.email)} か {full_width(self.phone)} までご連絡"
            f"ください。住所は〒{POSTAL} {ADDRESS}です。2026年11月1日に購入した電気ケトルの"
            "底から水が漏れます。"
        )


SUBJECT = Person()
PERSONAL = SUBJECT.values()


def random_person() -> Person:
    """A subject no other test writes about, so whole topics can be scanned for them."""
    digits = f"{secrets.randbelow(10**8):08d}"
    family, given = secrets.choice(["佐々木", "長谷川", "小野寺"]), secrets.choice(["美咲", "陽菜"])
    return Person(
        name=f"{family} {given}",
        email=f"subject.{secrets.token_hex(4)}@example.jp",
        phone=f"080-{digits[:4]}-{digits[4:]}",
    )


KEYS = {
    CONSULTATION_RECEIVED.payload: CONSULTATION_RECEIVED,
    CONTACT_LOGGED.payload: CONTACT_LOGGED,
    CLOSURE_REQUESTED.payload: CLOSURE_REQUESTED,
    RECORDING_ATTACHED.payload: RECORDING_ATTACHED,
}


def consultation(person: Person = SUBJECT) -> Consultation:
    return Consultation.model_validate(
        {
            "source": {"platform": "rest", "external_id": f"ext-{new_identifier()[:12]}"},
            "channel": "phone",
            "received_at": "2026-11-02T10:15:00+09:00",
            "customer": {
                "name": person.name,
                "email": person.email,
                "phone": person.phone,
                "relationship": "purchaser",
                "confidential_notes": SECRET_NOTE,
            },
            "product": {
                "name": "電気ケトル",
                "purchase_date": "2026-11-01",
                "price": {"amount": "4980", "currency": "JPY"},
            },
            "subject": f"ケトルの水漏れ {person.name.split()[0]}様",
            "body": person.body(),
            "demand": {
                "type": "exchange",
                "amount": {"amount": "4980", "currency": "JPY"},
                "details": f"新品と交換してほしい。{person.name}",
            },
            "call": {"duration_seconds": 540, "recorded": True},
            "language": "ja",
        }
    )


def follow_ups(
    closed_at: str, reason: str = "satisfied", person: Person = SUBJECT
) -> list[BaseModel]:
    return [
        Contact.model_validate(
            {
                "kind": "agent_response",
                "channel": "phone",
                "occurred_at": "2026-11-03T09:00:00+09:00",
                "body": f"{person.name} さんへ {person.phone.replace('-', ' ')} で折り返し。"
                "担当の佐藤様が対応。https://support.example.jp/tickets/991",
                "final_answer": True,
            }
        ),
        RecordingReference.model_validate(
            {
                "uri": RECORDING_URI,
                "sha256": "ab" * 32,
                "duration_seconds": 540,
                "recorded_at": "2026-11-03T09:30:00+09:00",
            }
        ),
        ClosureRequest.model_validate(
            {
                "reason": reason,
                "requested_at": closed_at,
                "note": f"{person.name.replace(' ', '')}様は納得された",
            }
        ),
    ]


@dataclass
class SampleCase:
    case_id: str
    subject_id: str
    envelopes: list[Envelope] = field(default_factory=list)


async def sample_case(
    codec: FieldCodec,
    subjects: SubjectIndex,
    *,
    closed_at: str | None = "2026-11-05T17:00:00+09:00",
    reason: str = "satisfied",
    person: Person = SUBJECT,
    recorded_at: str | None = None,
) -> SampleCase:
    """The envelopes intake would publish for one consultation (closed at `closed_at`).
    `recorded_at`: when intake's clock recorded each event (default: the client's own time
    of it, an honest client)."""
    identities = [email_identity(person.email), phone_identity(person.phone)]
    case = SampleCase(new_identifier(), await subjects.resolve(*identities))
    models: list[BaseModel] = [consultation(person)]
    if closed_at is not None:
        models += follow_ups(closed_at, reason, person)
    recorded = None if recorded_at is None else datetime.fromisoformat(recorded_at)
    for model in models:
        case.envelopes.append(
            await sealed(codec, model, case.case_id, case.subject_id, recorded_at=recorded)
        )
    return case


async def sealed(
    codec: FieldCodec,
    model: BaseModel,
    case_id: str,
    subject_id: str,
    *,
    recorded_at: datetime | None = None,
) -> Envelope:
    kind, event_id = KEYS[type(model)], new_event_id()
    occurred: datetime = next(
        value
        for name in ("received_at", "occurred_at", "requested_at", "recorded_at")
        if (value := getattr(model, name, None)) is not None
    )
    return Envelope(
        event_id=event_id,
        type=kind.type,
        schema_version=kind.version,
        case_id=case_id,
        subject_id=subject_id,
        occurred_at=occurred,
        recorded_at=recorded_at or occurred,
        producer="intake",
        correlation_id=str(event_id),
        payload=await codec.encrypt(model, case_id=case_id, event_id=event_id),
    )


def epoch_closed(epoch: int, kek_id: str, closed_at: datetime) -> Envelope:
    """What the key store's epoch close publishes on caselog.privacy: epoch `epoch` closed and
    its KEK `kek_id` destroyed."""
    payload = EpochClosed(
        closed_epoch=epoch,
        destroyed_kek_id=kek_id,
        opened_epoch=epoch + 1,
        opened_kek_id="kek-next",
        rewrapped_keys=1,
        closed_at=closed_at,
    )
    return Envelope(
        type=KEYS_EPOCH_CLOSED.type,
        schema_version=KEYS_EPOCH_CLOSED.version,
        case_id=f"epoch-{epoch}",
        occurred_at=closed_at,
        producer="privacy",
        correlation_id="epoch-close",
        payload=payload.model_dump(mode="json"),
    )
