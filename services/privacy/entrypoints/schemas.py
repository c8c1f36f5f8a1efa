"""Request and response bodies of privacy's API that are not domain models themselves."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.privacy.domain.cases import CaseRecord
from services.privacy.domain.copies import AnonymizedCopy
from services.privacy.domain.holds import BlockingHold
from services.privacy.domain.receipt import ErasureState
from services.privacy.domain.requests import Regime
from services.privacy.domain.retention import RecordKind
from services.privacy.service_layer.messages import Identities
from shared.ids import Identifier
from shared.validation import IsoDateTime

Text = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f]+$")]
Email = Annotated[str, Field(min_length=3, max_length=320)]
Phone = Annotated[str, Field(min_length=4, max_length=40)]
Identity = Annotated[str, Field(min_length=3, max_length=320)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HoldIn(_In):
    """Exactly one target: `case_id`, `subject_id`, `email`/`phone` (the subject they lead
    to), or `recommendation_id` (confirms policy's recommendation for its case)."""

    case_id: Identifier | None = None
    subject_id: Identifier | None = None
    email: Email | None = None
    phone: Phone | None = None
    recommendation_id: Identifier | None = None
    matter: Text = Field(description="The legal matter's reference, e.g. a docket number")
    reason: Text = Field(description="Why the hold is needed; name the matter, not a person")
    matter_type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")] | None = Field(
        default=None,
        description="The limitation period the hold serves (contract, tort, product_liability,"
        " or one configured); default from the rules. Sets the hold's review date",
    )
    known_at: IsoDateTime | None = Field(
        default=None, description="When the claimant knew of the claim (default: now)"
    )
    act_at: IsoDateTime | None = Field(
        default=None, description="When the act happened (default: the case's opening)"
    )

    def identities(self) -> Identities | None:
        if self.email is None and self.phone is None:
            return None
        return Identities(self.email, self.phone)


class ReleaseIn(_In):
    note: Text | None = None


class SweepIn(_In):
    dry_run: bool = Field(description="Required: true only reports; false anonymizes and expires")
    as_of: IsoDateTime | None = Field(
        default=None, description="Dry runs only: report what will have expired by then"
    )


class SubjectIdentitiesIn(_In):
    """The data subject, by the e-mail addresses and phone numbers they gave us: `email`,
    `phone`, and any more in `identities`. Each must be exactly one address or one number."""

    email: Email | None = None
    phone: Phone | None = None
    identities: list[Identity] = Field(
        default_factory=list,
        max_length=20,
        description="More identities of the same person, each one e-mail address or phone number",
    )

    def identities_given(self) -> Identities:
        return Identities(self.email, self.phone, tuple(self.identities))


class SubjectSearchIn(_In):
    """A search for a subject's cases: exactly one of `email` or `phone`, in the body (never
    a URL, which proxies and logs keep), and why, as a reveal asks."""

    email: Email | None = None
    phone: Phone | None = None
    purpose: str = Field(
        max_length=500,
        description="Why you search, e.g. a request or matter reference (kept in the log for"
        " good; at most 200 characters, no contact details)",
    )
    matter: str | None = Field(
        default=None, max_length=500, description="The legal matter's reference, if any"
    )

    def identities_given(self) -> Identities:
        return Identities(self.email, self.phone)


class SubjectRequestIn(SubjectIdentitiesIn):
    """A data subject's request, by the identities they gave us."""

    regime: Regime = Field(
        default=Regime.INTERNAL,
        description="internal, gdpr, or appi (個人情報保護法: 遅滞なく, without delay); see"
        " GET /v1/requests/regimes for each one's days and legal basis",
    )
    received_at: IsoDateTime | None = Field(
        default=None,
        description="When the subject asked (default: now); the due date runs from it. Not"
        " in the future by the server's clock, nor older than the rules allow (90 days)",
    )
    reference: Text | None = Field(default=None, description="Your ticket or letter reference")


class CorrectionIn(_In):
    copy_: AnonymizedCopy = Field(alias="copy", description="The whole corrected copy")
    reason: Text = Field(description="What was wrong; name the problem, not a person")


class WithdrawalIn(_In):
    reason: Text = Field(description="Why the copy is withdrawn; no personal data")


class RegimeOut(BaseModel):
    regime: Regime
    days: int = Field(description="Days from receipt to the due date")
    basis_ja: str = Field(description="法的根拠")
    basis_en: str = Field(description="Legal basis")


class RetentionOut(BaseModel):
    kind: RecordKind
    rule: str
    ends_at: IsoDateTime | None


class CaseOut(BaseModel):
    """Privacy's view of a case: no personal data, its retention and what holds it."""

    case: CaseRecord
    holds: list[BlockingHold]
    retention: list[RetentionOut]


class CopiesOut(BaseModel):
    copies: list[AnonymizedCopy]
    next_after: str | None = Field(description="Pass as `after` for the next page; null at the end")


class VerifierKeyOut(BaseModel):
    verifier_key: str = Field(description="Ed25519 note verifier key: name+key id+base64 key")


class ReceiptVerificationOut(BaseModel):
    """Whether a receipt verified with privacy's own key pinned, and what it says if so."""

    verified: bool
    problem: str | None = Field(default=None, description="Why it failed; null if verified")
    request_id: str | None = None
    state: ErasureState | None = None
    erased_cases: int | None = None
    held_cases: int | None = None
    bound_at: int | None = Field(
        default=None,
        description="The records checkpoint size the file's log binding proved every"
        " subject.erased event in; null without a binding",
    )
    verifier_key: str = Field(description="The pinned key it was checked against")
