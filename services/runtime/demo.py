"""Demo consultations for a first `caselog run`: Japanese and English, one per kind of outcome.

The people are fictional. Seeding is idempotent (fixed platform ids), so restarts add nothing.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.intake.bootstrap import Intake
from services.intake.domain.consultation import Consultation
from services.intake.service_layer.messages import Accepted, RecordConsultation

RECEIVED = datetime(2026, 11, 2, 1, 0, tzinfo=UTC).isoformat()


@dataclass(frozen=True)
class Demo:
    """A demo consultation and what it is, in words `caselog run` prints beside its page
    (ours, not the consultation's text: nothing a customer wrote goes to the terminal)."""

    what: str
    document: dict[str, Any]


def _demo(
    n: int,
    what: str,
    channel: str,
    customer: dict[str, Any],
    subject: str,
    body: str,
    **more: Any,
) -> Demo:
    document = {
        "source": {"platform": "demo", "external_id": f"demo-{n}"},
        "channel": channel,
        "received_at": RECEIVED,
        "customer": customer,
        "subject": subject,
        "body": body,
        **more,
    }
    return Demo(what, document)


TARO = {"name": "山田 太郎", "phone": "090-1234-5678", "relationship": "purchaser"}
JANE = {"name": "Jane Doe", "email": "jane.doe@example.com", "relationship": "purchaser"}
DEMOS = [
    # Expected: accept — a purchaser reports a defect and asks for an exchange.
    _demo(
        1,
        "ja, phone: a leaking kettle, an exchange asked (accept)",
        "phone",
        TARO,
        "ケトルの水漏れ",
        "購入したケトルの底から水が漏れます。交換をお願いします。",
        demand={"type": "exchange"},
        language="ja",
    ),
    # Expected: restrict — compensation far above the price, no confirmed loss.
    _demo(
        2,
        "en, email: 5000 dollars asked for a 39.90 kettle (restrict)",
        "email",
        JANE,
        "Broken kettle",
        "The kettle stopped working. I want 5000 dollars.",
        product={"name": "Kettle", "price": {"amount": "39.90", "currency": "USD"}},
        demand={"type": "compensation", "amount": {"amount": "5000", "currency": "USD"}},
        language="en",
    ),
    # Expected: refuse — a channel outside the guideline's allow-list.
    _demo(
        3,
        "ja, SNS: a channel the guideline does not answer on (refuse)",
        "sns",
        {**TARO, "name": "佐藤 花子", "phone": "080-2222-3333"},
        "返品について",
        "SNSから失礼します。返品したいです。",
        language="ja",
    ),
    # Expected: escalate — a threat of violence.
    _demo(
        4,
        "ja, phone: a threat of violence (escalate)",
        "phone",
        {**TARO, "name": "鈴木 一郎", "phone": "070-4444-5555"},
        "対応が遅い",
        "いつまで待たせるんだ。返金しないと殺すぞ。",
        demand={"type": "refund"},
        language="ja",
    ),
    # Expected: refuse — anonymous: no e-mail or phone to answer.
    _demo(
        5,
        "en, email: anonymous, no way to answer (refuse)",
        "email",
        {"name": "Anonymous", "relationship": "unknown"},
        "Complaint",
        "Your product is bad.",
        language="en",
    ),
]


async def seed_demo(intake: Intake) -> list[Accepted]:
    """Record the demo consultations not yet recorded; the answer of each (`duplicate`: it
    was recorded by an earlier start)."""
    return [
        await intake.handle(RecordConsultation(Consultation.model_validate(demo.document), "demo"))
        for demo in DEMOS
    ]
