"""Salesforce Case Change Data Capture events from the Kafka ingress: a CREATE is a consultation."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.intake.adapters.platforms import models
from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    UnsupportedPlatformEvent,
)
from services.intake.adapters.platforms.payload import (
    dotted,
    epoch,
    items,
    optional_text,
    text,
    timestamp,
    value_at,
)
from services.intake.domain.consultation import Channel, Consultation

PLATFORM = "salesforce"
PAYLOAD = ("data", "payload")
HEADER = (*PAYLOAD, "ChangeEventHeader")

# API names of the Case.Origin picklist (CDC sends API names, never translated labels).
_ORIGINS = {
    "phone": Channel.PHONE,
    "email": Channel.EMAIL,
    "web": Channel.WEB_FORM,
    "chat": Channel.CHAT,
    "messaging": Channel.CHAT,
}

_PATHS = {
    "source.external_id": "data.payload.ChangeEventHeader.recordIds[0]",
    "customer.name": "data.payload.SuppliedName",
    "customer.email": "data.payload.SuppliedEmail",
    "customer.phone": "data.payload.SuppliedPhone",
    "subject": "data.payload.Subject",
    "body": "data.payload.Description",
}


def normalize(event: Mapping[str, Any]) -> Consultation:
    """A change event message as Salesforce documents it: `data.payload`, `data.event.replayId`.

    No signature to check: the bridge that subscribes to Salesforce is trusted, Kafka is not
    reachable from outside.
    """
    if text(event, (*HEADER, "entityName")) != "Case":
        raise UnsupportedPlatformEvent(dotted((*HEADER, "entityName")), "only Case is taken")
    if text(event, (*HEADER, "changeType")) != "CREATE":
        raise UnsupportedPlatformEvent(
            dotted((*HEADER, "changeType")), "only CREATE is taken; updates are not contacts"
        )
    if len(items(event, (*HEADER, "recordIds"))) != 1:
        raise PlatformPayloadError(dotted((*HEADER, "recordIds")), "a CREATE names one record")
    return models.consultation(
        paths=_PATHS,
        platform=PLATFORM,
        external_id=text(event, (*HEADER, "recordIds", 0)),
        channel=_ORIGINS.get(str(value_at(event, (*PAYLOAD, "Origin"))).lower(), Channel.OTHER),
        received_at=_created(event),
        customer={
            "name": text(event, (*PAYLOAD, "SuppliedName")),
            "email": optional_text(event, (*PAYLOAD, "SuppliedEmail")),
            "phone": optional_text(event, (*PAYLOAD, "SuppliedPhone")),
        },
        subject=optional_text(event, (*PAYLOAD, "Subject")),
        body=text(event, (*PAYLOAD, "Description")),
    )


def _created(event: Mapping[str, Any]) -> datetime:
    # CometD JSON carries CreatedDate as ISO text, Pub/Sub API bridges as epoch milliseconds;
    # commitTimestamp, the commit of this very CREATE, stands in when it is absent.
    created = (*PAYLOAD, "CreatedDate")
    value = value_at(event, created)
    if isinstance(value, str):
        return timestamp(event, created)
    if isinstance(value, int) and not isinstance(value, bool):
        return epoch(event, created, unit="ms")
    return epoch(event, (*HEADER, "commitTimestamp"), unit="ms")
