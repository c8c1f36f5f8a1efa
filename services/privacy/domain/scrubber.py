"""Free text made fit for business use: the subject's own values in every written form first, then
anything personal by its shape, other people's names (a configurable heuristic detector), and
dates down to the month."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from services.privacy.domain.text_forms import (
    DIGIT_SEPARATOR,
    KANJI_DIGITS,
    SEPARATOR,
    alternatives,
    coarsen_dates,
    folded,
    kana_variants,
    loose,
    remove_by_shape,
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


PLACEHOLDER = "[person]"
NOT_NAMES = (
    "客", "皆", "神", "奥", "子", "母", "父", "兄", "姉", "弟", "妹", "王", "仏", "同", "仕",
    "多", "異", "模", "左", "斯", "有", "貴", "御", "宮", "彼", "諸", "赤", "医者", "担当",
    "担当者", "責任者", "店長", "社長", "部長", "課長", "係長", "主任", "各位", "皆様", "先方",
)  # fmt: skip
# A run of kanji or katakana right before an honorific; 様子, 様々, 殿下 and 氏名 are words.
_JP_HONORIFIC = re.compile(
    r"([一-龥々〆ヶァ-ヴー]{1,6})(?=\s?(?:様(?![々子式相態])|さま|さん|サン|殿(?![下堂様])"
    r"|氏(?!名)|先生|くん|君|ちゃん))"
)
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)"
_EN_TITLE = re.compile(rf"\b{_TITLES}\.?\s+([A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+)?)")
_EN_SALUTATION = re.compile(
    rf"\b(?:Dear|Attn:?)\s+(?!{_TITLES}\b)([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)"
)


@dataclass(frozen=True, slots=True)
class PersonNameRules:
    """`names`: people to find in any form (staff, known third parties); `patterns`: regular
    expressions whose whole match is a name; `not_names`: words that take honorifics."""

    names: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    honorifics: bool = True
    not_names: tuple[str, ...] = field(default=NOT_NAMES)


class PersonNameDetector:
    def __init__(self, rules: PersonNameRules) -> None:
        self._rules = rules
        self._not_names = frozenset(rules.not_names)
        listed = [loose(part) for name in rules.names for part in _forms(name)]
        self._listed = re.compile(alternatives(listed), re.IGNORECASE)
        self._patterns = [re.compile(pattern) for pattern in rules.patterns]

    def remove(self, text: str) -> str:
        """`text` (NFKC-folded) with other people's names replaced by `[person]`."""
        text = replace(text, self._listed, PLACEHOLDER)
        for pattern in self._patterns:
            text = replace(text, pattern, PLACEHOLDER)
        if self._rules.honorifics:
            text = _JP_HONORIFIC.sub(self._unless_word, text)
        for pattern in (_EN_TITLE, _EN_SALUTATION):
            text = pattern.sub(_name_group, text)
        return text

    def _unless_word(self, match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) in self._not_names else PLACEHOLDER


def _forms(name: str) -> list[str]:
    whole = folded(name)
    parts = [p for p in re.split(SEPARATOR.replace("{0,3}", "+"), whole) if len(p) > 1]
    return [whole, *parts]


def _name_group(match: re.Match[str]) -> str:
    start, end = match.span(1)
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + PLACEHOLDER + whole[end - offset :]


Scrub = Callable[[str], str]


class Scrubber:
    """Built once from the rules; `for_subject` gives the scrub of one subject's case."""

    def __init__(self, person_names: PersonNameRules) -> None:
        self._people = PersonNameDetector(person_names)

    def for_subject(self, own: OwnValues) -> Scrub:
        patterns = own_patterns(own)

        def scrub(text: str) -> str:
            # Folded first, so full-width and half-width forms meet one pattern each.
            text = patterns.remove(folded(text))
            text = self._people.remove(remove_by_shape(text))
            return coarsen_dates(text)

        return scrub
