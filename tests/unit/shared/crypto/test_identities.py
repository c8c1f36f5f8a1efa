"""Identity normalization: every spelling of one e-mail or phone number is one identity."""

import pytest

from shared.crypto.errors import InvalidIdentityError
from shared.crypto.identities import email_identity, phone_identity


@pytest.mark.parametrize(
    "spelling",
    [
        "090-1234-5678",
        "０９０１２３４５６７８",  # noqa: RUF001 - full-width on purpose
        "+81 90 1234 5678",
        " 09012345678 ",
        "(090) 1234-5678",
    ],
)
def test_japanese_mobile_spellings_become_one_e164_number(spelling: str) -> None:
    assert phone_identity(spelling).value == "+819012345678"


def test_the_default_region_reads_national_numbers() -> None:
    assert phone_identity("(202) 555-0143", default_region="US").value == "+12025550143"
    assert phone_identity("+1 202 555 0143").value == "+12025550143"


@pytest.mark.parametrize(
    "spelling",
    ["Taro@Example.com", "  taro@example.com\n", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"],  # noqa: RUF001
)
def test_email_spellings_become_one_address(spelling: str) -> None:
    assert email_identity(spelling).value == "taro@example.com"


def test_an_email_and_a_phone_never_share_an_identity() -> None:
    assert email_identity("a@b.jp").canonical() != phone_identity("09012345678").canonical()


@pytest.mark.parametrize("spelling", ["090-1234-567", "12", "not a number", "+81 00 0000 0000"])
def test_an_invalid_phone_number_fails_without_repeating_it(spelling: str) -> None:
    with pytest.raises(InvalidIdentityError) as raised:
        phone_identity(spelling)

    message = str(raised.value)
    assert "phone number" in message
    assert spelling not in message
    assert not any(char.isdigit() for char in message)
    # No chained phonenumbers error either: its message may quote the input.
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None or raised.value.__suppress_context__


@pytest.mark.parametrize(
    "spelling", ["taro", "taro@", "@example.com", "taro@localhost", "a b@c.jp"]
)
def test_an_invalid_email_fails_without_repeating_it(spelling: str) -> None:
    with pytest.raises(InvalidIdentityError) as raised:
        email_identity(spelling)
    assert spelling not in str(raised.value)


def test_an_identity_repr_shows_its_kind_only() -> None:
    identity = phone_identity("090-1234-5678")
    assert "1234" not in repr(identity)
    assert "1234" not in str(identity)
    assert "phone" in repr(identity)


@pytest.mark.parametrize(
    "spelling",
    [
        "ta\u200bro@example.com",  # zero-width space
        "taro\u200d@exa\u200cmple.com",  # joiners
        "\ufefftaro@example.com\u2060",  # BOM, word joiner
        "taro@exam\u00adple.com",  # soft hyphen
        "t\ufe0faro@example.com",  # variation selector
    ],
)
def test_invisible_characters_make_no_second_spelling_of_an_email(spelling: str) -> None:
    # Issue 14 finding 8: one e-mail with a zero-width space made a second subject.
    assert email_identity(spelling) == email_identity("taro@example.com")


def test_invisible_characters_make_no_second_spelling_of_a_phone_number() -> None:
    assert phone_identity("090\u200b1234\u200d5678").value == "+819012345678"
