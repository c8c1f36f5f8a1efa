"""A consultation as intake accepts it, whichever platform sent it; personal fields declared."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from services.intake.domain.client_times import representable_in_utc
from services.intake.domain.errors import InvalidRequestError
from shared.crypto.fields import Content, Identity
from shared.invisible import refuse_invisible

MAX_BODY_BYTES = 64 * 1024

Text = Annotated[str, Field(min_length=1, max_length=MAX_BODY_BYTES)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
Reference = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]
PlatformName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
# A time a client tells us; how far it may lie from our clock is checked by ClientTimeRules.
ClientTime = Annotated[AwareDatetime, AfterValidator(representable_in_utc)]


def _calendar_date(value: object) -> object:
    """A date is an ISO date text (YYYY-MM-DD) or a date: pydantic's lax mode would also take a
    number of seconds or a time of day at midnight, which the schema does not allow."""
    if isinstance(value, str) and len(value.strip()) != len("YYYY-MM-DD"):
        raise ValueError("must be a date as YYYY-MM-DD")
    if not isinstance(value, (str, date)):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    WEB_FORM = "web_form"
    SNS = "sns"
    VISIT = "visit"
    LETTER = "letter"
    OTHER = "other"


class Relationship(StrEnum):
    PURCHASER = "purchaser"
    PROSPECTIVE = "prospective"
    OTHER = "other"
    UNKNOWN = "unknown"


class DemandType(StrEnum):
    EXCHANGE = "exchange"
    REFUND = "refund"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    VISIT = "visit"
    INFORMATION = "information"
    OTHER = "other"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(Strict):
    """Where the consultation came from; (platform, external_id) identifies it for idempotency.

    The platform is the server's to decide, from the entry point and the credential (a
    webhook route names its platform, REST is `rest` or the token's `platform` claim): a
    body may leave it out or repeat that value, never name another one.
    """

    platform: PlatformName | None = Field(
        default=None,
        examples=["rest"],
        description="Decided by the server from the credential; if sent, it must match",
    )
    external_id: Reference = Field(examples=["35436"])

    def claimed_by(self, platform: str, field: str = "source.platform") -> "Source":
        """This source with the platform the server decided; a body naming another is refused
        (a REST writer must not claim a webhook platform's ticket)."""
        if self.platform not in (None, platform):
            reason = f"is decided by the server from the credential ({platform}); leave it out"
            raise InvalidRequestError(field, reason)
        return (
            self
            if self.platform == platform
            else Source(platform=platform, external_id=self.external_id)
        )


class Money(Strict):
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(examples=["JPY"])


# A zero-width space in a name, e-mail or phone makes a second spelling of one person.
Visible = AfterValidator(refuse_invisible)


class Customer(Strict):
    name: Identity[Annotated[ShortText, Visible]]
    email: (
        Identity[Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"), Visible]]
        | None
    ) = None
    phone: Identity[Annotated[str, Field(max_length=40), Visible]] | None = None
    relationship: Relationship = Relationship.UNKNOWN
    # Information the customer asked us to keep confidential is protected like identity.
    confidential_notes: Identity[Text] | None = None


class Product(Strict):
    sku: Reference | None = None
    name: ShortText | None = None
    purchase_date: CalendarDate | None = None
    price: Money | None = None


class Demand(Strict):
    type: DemandType
    amount: Money | None = None
    details: Content[Text] | None = None


class Call(Strict):
    duration_seconds: int = Field(ge=0, le=24 * 3600)
    recorded: bool = False
    final_answer_given_at: ClientTime | None = None


class Consultation(Strict):
    """What intake records as `consultation.received`; policy judges it later, not here."""

    source: Source
    channel: Channel
    received_at: ClientTime
    customer: Customer
    product: Product | None = None
    subject: Content[ShortText]
    body: Content[Text]
    demand: Demand | None = None
    call: Call | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] | None = None

    @model_validator(mode="after")
    def body_fits(self) -> "Consultation":
        # max_length counts characters; the limit is on bytes (Japanese text is 3 per char).
        if len(self.body.encode("utf-8")) > MAX_BODY_BYTES:
            raise ValueError(f"body is larger than {MAX_BODY_BYTES} bytes of UTF-8")
        return self
