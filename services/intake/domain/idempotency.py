"""What makes two requests one: the ledger keys under which intake records an event at most once.

A platform's ticket (a consultation), a platform's contact id on a case, and an Idempotency-Key
each have a key of their own, apart from the others', so one can never stand for another.
"""

import hashlib
import json

from services.intake.domain.consultation import Consultation
from shared.contracts.intake import Strict


class TicketContent(Strict):
    """What a platform may change when it sends a ticket again: its subject and description.
    Digested with the first consultation, so a changed re-send is told from a retry."""

    subject: str | None
    body: str


def ticket_content(consultation: Consultation) -> TicketContent:
    return TicketContent(subject=consultation.subject, body=consultation.body)


def ticket_key(platform: str, external_id: str) -> str:
    """The key of a platform's ticket or conversation (a consultation)."""
    return f"source:{platform}:{external_id}"


def contact_key(platform: str, case_id: str, external_id: str) -> str:
    """The key of a platform's comment or message on a case: idempotent by itself, whoever
    retries it, and never a ticket's key (or the reverse)."""
    return f"contact:{platform}:{case_id}:{external_id}"


def request_key(caller: str | None, command: str, case_id: str, idempotency_key: str) -> str:
    """The key of an Idempotency-Key: the same key from another caller, for another command
    or on another case is another request. Hashed: the parts are any printable text and
    together longer than the column."""
    scope = json.dumps([caller, command, case_id, idempotency_key])
    return "request:" + hashlib.sha256(scope.encode()).hexdigest()
