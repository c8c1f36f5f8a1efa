"""Patterns for the subject's own name, e-mail and phone number in every written form."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from services.privacy.domain.text_forms import (
    DIGIT_SEPARATOR,
    KANJI_DIGITS,
    alternatives,
    folded,
    kana_variants,
    loose,
    replace,
)

HONORIFICS = r"(?:様|さま|サマ|さん|サン|殿|どの|氏|君|くん|ちゃん|先生|-?san|-?sama)"
TITLES = r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+)"
NAME_SPLIT = re.compile(r"[\s\u30fb\u00b7,、]+")
# "at" and "dot" as people write them to dodge harvesters.
AT = r"(?:\s{0,2}(?:@|\(at\)|\[at\]|\sat\s|アット)\s{0,2})"
DOT = r"(?:\s{0,2}(?:\.|\(dot\)|\[dot\]|\sdot\s|ドット)\s{0,2})"
MIN_TOKEN_CHARS = 2  # a one-character name part only counts with an honorific
MIN_LOCAL_PART = 5  # shorter ones (info, sales) are words too
SUBSCRIBER_DIGITS = 8  # the tail of a number that identifies it, whatever the prefix


@dataclass(frozen=True, slots=True)
class OwnValues:
    """The subject's identity as given to intake (decrypted); never stored or logged."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return "OwnValues(<redacted>)"


@dataclass(frozen=True, slots=True)
class OwnPatterns:
    names: re.Pattern[str]
    emails: re.Pattern[str]
    local_parts: re.Pattern[str]
    phones: re.Pattern[str]

    def remove(self, text: str) -> str:
        """`text` without the subject's own values (expects NFKC-folded text)."""
        text = replace(text, self.emails, "[email]")
        text = replace(text, self.phones, "[phone]", digit_view=True)
        text = replace(text, self.names, "[customer]")
        # The local part alone ("hanako.yamada") still names the person.
        return replace(text, self.local_parts, "[email]")


def own_patterns(values: OwnValues) -> OwnPatterns:
    addresses = [_address(e) for e in values.emails]
    return OwnPatterns(
        names=re.compile(_names(values.names), re.IGNORECASE),
        emails=re.compile(alternatives(_email(*a) for a in addresses), re.IGNORECASE),
        local_parts=re.compile(
            alternatives(loose(local) for local, _ in addresses if len(local) >= MIN_LOCAL_PART),
            re.IGNORECASE,
        ),
        phones=re.compile(alternatives(_phone(p) for p in values.phones)),
    )


def _names(names: Iterable[str]) -> str:
    plain: set[str] = set()  # whole names and name parts, honorific optional
    short: set[str] = set()  # one-character parts, honorific required
    for name in names:
        tokens = [t for t in NAME_SPLIT.split(folded(name)) if t]
        for order in (tokens, tokens[::-1]):
            for variant in kana_variants("".join(order)):
                plain.add(loose(variant))
        for token in tokens:
            for variant in kana_variants(token):
                (plain if len(variant) >= MIN_TOKEN_CHARS else short).add(loose(variant))
    with_optional = f"{TITLES}?{alternatives(plain)}(?:\\s?{HONORIFICS})?"
    if not short:
        return with_optional if plain else "(?!)"
    return f"{with_optional}|{alternatives(short)}\\s?{HONORIFICS}"


def _address(email: str) -> tuple[str, str]:
    local, _, domain = folded(email).strip().lower().rpartition("@")
    return local, domain


def _email(local: str, domain: str) -> str:
    labels = [re.escape(label) for label in domain.split(".") if label]
    return re.escape(local) + AT + DOT.join(labels) if local and labels else ""


def _phone(number: str) -> str:
    digits = re.sub(r"\D", "", folded(number).translate(KANJI_DIGITS))
    if len(digits) < 4:
        return ""
    tail = digits[-SUBSCRIBER_DIGITS:]
    # Whatever came before the tail (0, +81, (03), 81-0) goes with it.
    prefix = r"(?:[+(]?\d[\d\s\-\u2010-\u2015.()+]{0,12}?)?"
    return r"(?<!\d)" + prefix + loose(tail, DIGIT_SEPARATOR, bounded=False) + r"(?!\d)"
