"""Other people's names in free text: a configurable detector of lists and patterns.

Heuristic by nature: a name before a Japanese honorific, after an English title or
salutation, or on the configured list. Words that take honorifics without being names
(お客様, 皆様, 仕様...) are excluded by a configurable list.
"""

import re
from dataclasses import dataclass, field

from services.privacy.domain.text_forms import SEPARATOR, alternatives, folded, loose, replace

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
