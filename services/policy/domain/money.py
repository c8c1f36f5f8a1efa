"""Amounts of money in free text ("5万円", full-width "50,000円", "$500", "50000 dollars",
"十万円"), each with its exact span in what the customer wrote, so a demand stated only in
words can be weighed like a structured one."""

import re
from dataclasses import dataclass
from decimal import Decimal

from services.policy.domain.lexicon import Document, Hit

# Read on the folded text with every character kept (NFKC: full-width digits, $ and ¥; case
# folded). One left-to-right pass of a pattern without nested repetition: linear in the text.
_AMOUNT = re.compile(
    r"(?P<pre>us\$|\$|¥|€|usd(?= ?\d)|jpy(?= ?\d))?\s?"
    r"(?:(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?|(?P<kanji>[一二三四五六七八九十百千]+))"
    r"\s?(?P<mult>百万|千万|万|千|億|k(?![a-z])|thousand|million)?"
    r"\s?(?P<post>円|yen(?![a-z])|jpy|ドル|dollars?|usd|bucks|ユーロ|euros?|eur(?![a-z]))?"
)
_CURRENCY = {
    "us$": "USD", "$": "USD", "¥": "JPY", "€": "EUR", "円": "JPY", "yen": "JPY", "jpy": "JPY",
    "ドル": "USD", "dollar": "USD", "dollars": "USD", "usd": "USD", "bucks": "USD",
    "ユーロ": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR",
}  # fmt: skip
_MULTIPLIER = {
    "百万": 1_000_000, "千万": 10_000_000, "万": 10_000, "千": 1_000, "億": 100_000_000,
    "k": 1_000, "thousand": 1_000, "million": 1_000_000,
}  # fmt: skip
_JAPANESE_MULTIPLIERS = {"万", "千万", "億", "百万"}  # "5万" alone is read as yen
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
AMOUNT_TERM = "amount"  # what evidence names as the matched "term": policy data, never the text


@dataclass(frozen=True)
class Amount:
    hit: Hit
    value: Decimal
    currency: str


def amounts(document: Document) -> list[Amount]:
    """Every amount with a currency (a sign, a unit word, or a Japanese multiplier)."""
    folded = document.plain
    found = []
    for match in _AMOUNT.finditer(folded.chars):
        pre, post, mult = match["pre"], match["post"], match["mult"]
        if match["kanji"] and not (post or mult):
            continue  # 十分, 一度: kanji numbers count only with 円 or 万
        currency = _CURRENCY.get(pre or post or "") or (
            "JPY" if mult in _JAPANESE_MULTIPLIERS else None
        )
        if currency is None:
            continue
        if match["num"]:
            fraction = f".{match['frac']}" if match["frac"] else ""
            number = Decimal(match["num"].replace(",", "") + fraction)
        else:
            number = Decimal(_kanji_number(match["kanji"]))
        value = number * _MULTIPLIER.get(mult or "", 1)
        start, end = match.span()
        while folded.chars[start].isspace():
            start += 1
        while folded.chars[end - 1].isspace():
            end -= 1
        hit = Hit(document.field, *folded.original_span(start, end), AMOUNT_TERM)
        found.append(Amount(hit, value, currency))
    return found


def _kanji_number(kanji: str) -> int:
    """十 = 10, 二十五 = 25, 三百 = 300, 千五百 = 1500 (below 万, which is a multiplier)."""
    total = digit = 0
    for char in kanji:
        if char in _KANJI_UNITS:
            total += (digit or 1) * _KANJI_UNITS[char]
            digit = 0
        else:
            digit = digit * 10 + _KANJI_DIGITS[char]
    return total + digit
