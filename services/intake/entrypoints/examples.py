"""OpenAPI examples of consultations, in Japanese and English (fictional people)."""

from typing import Any

from fastapi.openapi.models import Example

JAPANESE: dict[str, Any] = {
    "source": {"platform": "rest", "external_id": "web-2026-000123"},
    "channel": "phone",
    "received_at": "2026-11-02T10:15:00+09:00",
    "customer": {
        "name": "山田 太郎",
        "email": "taro.yamada@example.jp",
        "phone": "090-1234-5678",
        "relationship": "purchaser",
    },
    "product": {
        "sku": "KTL-200",
        "name": "電気ケトル",
        "purchase_date": "2026-10-20",
        "price": {"amount": "4980", "currency": "JPY"},
    },
    "subject": "ケトルの水漏れ",
    "body": "購入したケトルの底から水が漏れます。交換をお願いします。",
    "demand": {"type": "exchange"},
    "call": {"duration_seconds": 540, "recorded": True},
    "language": "ja",
}
ENGLISH: dict[str, Any] = {
    "source": {"platform": "rest", "external_id": "web-2026-000124"},
    "channel": "email",
    "received_at": "2026-11-02T09:00:00Z",
    "customer": {"name": "Jane Doe", "email": "jane.doe@example.com", "relationship": "purchaser"},
    "product": {"name": "Electric kettle", "price": {"amount": "39.90", "currency": "USD"}},
    "subject": "Kettle leaks",
    "body": "The kettle I bought last week leaks from the base. I would like a refund.",
    "demand": {"type": "refund", "amount": {"amount": "39.90", "currency": "USD"}},
    "language": "en",
}
CONSULTATION_EXAMPLES: dict[str, Example] = {
    "japanese": Example(summary="電話での相談 (phone, Japanese)", value=JAPANESE),
    "english": Example(summary="E-mail consultation (English)", value=ENGLISH),
}
