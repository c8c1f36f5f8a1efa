"""What privacy is asked to do: the commands its routes and schedules send, the queries that
need more than one read, and the events its consumer hands over; each names its answer.

`Message[Result]` lets `Privacy.handle` return the type the handler table promises for it.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from services.privacy.domain.copies import AnonymizedCopy
from services.privacy.domain.events import CopyWithdrawn
from services.privacy.domain.holds import Hold
from services.privacy.domain.receipt import SignedReceipt, SubjectErasure
from services.privacy.domain.reports import (
    AccessExport,
    ErasurePreview,
    OverdueReport,
    SubjectSearch,
)
from services.privacy.domain.requests import PrivacyRequest, Regime
from services.privacy.domain.sweep import SweepReport
from shared.auth.roles import Role
from shared.crypto.epochs import EpochClosure
from shared.envelope import Envelope

ResultT = TypeVar("ResultT", covariant=True)


class Message(Generic[ResultT]):
    """A message whose handler answers a `ResultT`."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Identities:
    """How a data subject names themself in a request; used for a lookup, never stored.
    `listed`: more identities, each exactly one e-mail address or one phone number."""

    email: str | None = None
    phone: str | None = None
    listed: tuple[str, ...] = ()

    def named(self) -> list[tuple[str, str]]:
        """Each identity given with the request field it came from (for error messages)."""
        found = [("email", self.email), ("phone", self.phone)]
        found += [(f"identities[{index}]", each) for index, each in enumerate(self.listed)]
        return [(field, value) for field, value in found if value is not None]

    def __repr__(self) -> str:
        return f"Identities(given={len(self.named())})"


# Holds


@dataclass(frozen=True, slots=True)
class PlaceHold(Message[list[Hold]]):
    """Exactly one target: a case, a subject, the subject of an e-mail/phone, or a
    recommendation (its case). Answers the holds placed: one, or one per subject when an
    e-mail and a phone name two."""

    matter: str
    reason: str
    actor: str
    case_id: str | None = None
    subject_id: str | None = None
    identities: Identities | None = None
    recommendation_id: str | None = None
    # The limitation period the hold serves: its review date is when the claim is barred.
    matter_type: str | None = None  # default: the rules' default_matter_type
    known_at: datetime | None = None  # when the claimant knew (default: now)
    act_at: datetime | None = None  # when the act happened (default: the case's opening)
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseHold(Message[Hold]):
    """`roles`: the caller's, as the token says; legal releases, others may only ask."""

    hold_id: str
    actor: str
    note: str | None = None
    roles: Collection[Role] = field(default_factory=frozenset)
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class HoldsDueForReview(Message[list[Hold]]):
    """Active holds whose limitation period has ended by `at` (default now)."""

    at: datetime | None = None


# Data subjects' requests


@dataclass(frozen=True, slots=True)
class _SubjectRequest:
    identities: Identities
    regime: Regime
    actor: str
    received_at: datetime | None = None
    reference: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterAccess(_SubjectRequest, Message[PrivacyRequest]):
    """Find the subjects now (the identity itself is never stored) and start the clock."""


@dataclass(frozen=True, slots=True)
class EraseSubject(_SubjectRequest, Message[SignedReceipt]):
    """Erase every case of the subjects the identities lead to, except held ones."""


@dataclass(frozen=True, slots=True)
class PreviewErasure(Message[ErasurePreview]):
    identities: Identities


@dataclass(frozen=True, slots=True)
class ExportAccess(Message[AccessExport]):
    request_id: str
    actor: str
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class SearchSubject(Message[SubjectSearch]):
    """The cases of the subject one e-mail or phone leads to; the search recorded as an access
    (`subject.searched`) whatever it finds. `roles`: the caller's, as the token says."""

    identities: Identities
    actor: str
    roles: Collection[Role]
    purpose: str
    matter: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class OverdueRequests(Message[OverdueReport]):
    pass


@dataclass(frozen=True, slots=True)
class ReceiptFile(Message[SignedReceipt | None]):
    """The receipt as stored, with the completion statement that names it, if any."""

    request_id: str


@dataclass(frozen=True, slots=True)
class SubjectErasures(Message[list[SubjectErasure]]):
    subject_ids: tuple[str, ...]


# Retention and anonymized copies


@dataclass(frozen=True, slots=True)
class RunSweep(Message[SweepReport]):
    """`as_of` looks at another moment (what will be due by then): dry runs only."""

    actor: str
    dry_run: bool = False
    as_of: datetime | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ListCopies(Message[list[AnonymizedCopy]]):
    """A page of copies by copy id, decrypted."""

    after: str | None
    limit: int


@dataclass(frozen=True, slots=True)
class CorrectCopy(Message[AnonymizedCopy]):
    copy_id: str
    corrected: AnonymizedCopy
    reason: str
    actor: str
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class RotateCopyKey(Message[AnonymizedCopy]):
    copy_id: str
    actor: str
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class WithdrawCopy(Message[CopyWithdrawn]):
    copy_id: str
    reason: str
    actor: str
    correlation_id: str | None = None


# Key epochs


@dataclass(frozen=True, slots=True)
class CloseKeyEpoch(Message[EpochClosure | None]):
    """Close the open epoch; `if_open`: only if that epoch is still the open one (schedules)."""

    actor: str
    correlation_id: str | None = None
    if_open: int | None = None


@dataclass(frozen=True, slots=True)
class AnnounceEpochCloses(Message[list[EpochClosure]]):
    """Publish `keys.epoch_closed` for every close not announced yet (a crash may have lost
    one)."""

    correlation_id: str | None = None


# What the consumer reads (decoded envelopes, by the topic they came from)


@dataclass(frozen=True, slots=True)
class IntakeEventArrived(Message[None]):
    envelope: Envelope


@dataclass(frozen=True, slots=True)
class PolicyEventArrived(Message[None]):
    envelope: Envelope


@dataclass(frozen=True, slots=True)
class OwnEventsArrived(Message[None]):
    """Privacy's own events (emitted here, or read back from caselog.privacy), applied together
    in one transaction, each once per event id."""

    envelopes: Sequence[Envelope]


@dataclass(frozen=True, slots=True)
class RecordsAcknowledged(Message[None]):
    envelope: Envelope


Consumed = IntakeEventArrived | PolicyEventArrived | OwnEventsArrived | RecordsAcknowledged


@dataclass(frozen=True, slots=True)
class EventsConsumed(Message[None]):
    """A polled batch of the above, in the order read: handled as one (each event once per
    id), with the outcome of handling each in turn."""

    events: Sequence[Consumed]
