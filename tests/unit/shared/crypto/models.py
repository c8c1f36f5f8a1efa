"""Consultation models with personal fields of every class, as the codec tests use them."""

from typing import Any

from pydantic import BaseModel

from shared.crypto.fields import Content, Identity, Recording


class Customer(BaseModel):
    name: Identity[str]
    email: Identity[str] | None = None
    phone: Identity[str] | None = None
    segment: str = "consumer"


class Attachment(BaseModel):
    reference: Recording[str]
    seconds: int


class Consultation(BaseModel):
    channel: str
    customer: Customer
    body: Content[str]
    demand: Content[dict[str, int]] | None = None
    recording: Recording[str] | None = None
    attachments: list[Attachment] = []


def consultation() -> Consultation:
    return Consultation(
        channel="phone",
        customer=Customer(name="山田 太郎", email="taro@example.com", phone="+819012345678"),
        body="The kettle leaks after two days.",
        demand={"refund_yen": 4980},
        recording="rec://calls/2024/0001.opus",
        attachments=[Attachment(reference="rec://photos/1.jpg", seconds=0)],
    )


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted path such as `attachments.0.reference`."""
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data
