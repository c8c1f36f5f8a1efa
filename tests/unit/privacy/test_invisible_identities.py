"""Invisible characters make no second subject: an e-mail written with a zero-width space
(intake refuses it now; older platforms' data may carry it) is the clean address's subject, so
erasing by the clean address erases every case (issue 14 finding 8)."""

from services.privacy.bootstrap import Privacy
from services.privacy.domain.requests import Regime
from services.privacy.service_layer.messages import EraseSubject, Identities
from shared.crypto.identities import email_identity
from tests.unit.privacy.conftest import received
from tests.unit.privacy.samples import random_person


async def test_an_email_with_a_zero_width_space_is_the_subject_of_the_clean_address(
    privacy: Privacy,
) -> None:
    person = random_person()
    local, _, domain = person.email.partition("@")
    hidden = f"{local[:3]}\u200b{local[3:]}@{domain}"
    first = await privacy.personal.subjects.resolve(email_identity(hidden))

    found = await privacy.deps.subjects.lookup(Identities(email=person.email))
    case = await received(privacy, person=person)  # type: ignore[arg-type]
    signed = await privacy.handle(
        EraseSubject(Identities(email=person.email), Regime.GDPR, "officer-1")
    )

    assert found == (first,)
    assert case.subject_id == first
    assert signed.receipt["erased_case_ids"] == [case.case_id]
    assert await privacy.deps.subjects.lookup(Identities(email=hidden)) == ()
