"""A case's kept events read back in plaintext: for anonymization and access exports."""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.privacy.domain import views
from services.privacy.domain.copies import CaseContent, Decided
from services.privacy.domain.errors import UnreadableCaseError
from services.privacy.service_layer.ports import Decryptor, PrivacyStore
from shared.crypto.class_ciphertext import is_sealed
from shared.crypto.errors import CryptoError
from shared.envelope import Envelope
from shared.validation import summarize


@dataclass(frozen=True, slots=True)
class ReadEvent:
    envelope: Envelope
    payload: dict[str, Any]  # personal fields in plaintext; never logged, never stored


async def read_events(store: PrivacyStore, decryptor: Decryptor, case_id: str) -> list[ReadEvent]:
    """Every kept event of the case, decrypted; UnreadableCaseError names the one that fails.
    The key store is asked first: a key destroyed elsewhere is not used from this cache."""
    await decryptor.forget_destroyed([case_id])
    read = []
    for envelope in await store.case_envelopes(case_id):
        schema = views.ENCRYPTED_SCHEMAS.get(envelope.type)
        try:
            payload = (
                await decryptor.decrypt(envelope, schema) if schema else dict(envelope.payload)
            )
            if schema is not None:
                schema.model_validate(payload)
        except CryptoError as error:
            raise UnreadableCaseError(_failed(envelope, str(error))) from None
        except ValidationError as error:
            raise UnreadableCaseError(_failed(envelope, summarize(error))) from None
        read.append(ReadEvent(envelope, payload))
    return read


def case_content(case_id: str, events: list[ReadEvent]) -> CaseContent:
    """The decrypted events as the anonymizer reads them (validated by `read_events`)."""
    consultation = None
    contacts, closures, recordings, decisions = [], [], [], []
    for event in events:
        kind, payload = event.envelope.type, event.payload
        if kind == views.CONSULTATION_RECEIVED:
            consultation = views.ConsultationView.model_validate(payload)
        elif kind == views.CONTACT_LOGGED:
            contacts.append(views.ContactView.model_validate(payload))
        elif kind == views.CLOSURE_REQUESTED:
            closures.append(views.ClosureView.model_validate(payload))
        elif kind == views.RECORDING_ATTACHED:
            recordings.append(views.RecordingView.model_validate(payload))
        elif views.is_decision(kind):
            decision = views.DecisionView.model_validate(payload)
            decisions.append(Decided(kind, event.envelope.occurred_at, decision))
    return CaseContent(case_id, consultation, contacts, closures, recordings, decisions)


def key_id_of(events: list[ReadEvent]) -> str | None:
    """The case key's id, as every ciphertext object names it."""
    for event in events:
        found = _kid(event.envelope.payload)
        if found is not None:
            return found
    return None


def _kid(value: object) -> str | None:
    if isinstance(value, dict):
        # v1: every field names the key; v2: the first field of each class does.
        if is_sealed(value) and isinstance(value.get("kid"), str):
            return str(value["kid"])
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            if (found := _kid(item)) is not None:
                return found
    return None


def _failed(envelope: Envelope, reason: str) -> str:
    return f"case {envelope.case_id}: event {envelope.event_id} ({envelope.type}): {reason}"
