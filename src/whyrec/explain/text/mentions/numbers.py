"""Numbers a text states, with what they claim: a count, a rank, a share, a price or a discount.

Digits, English number words and Chinese numerals (三十, 二十五, 两) are read; a Chinese numeral counts only
before a measure word, a currency or 折, since 一 and 十 are parts of many words (一定, 十分). Every pattern is
a single pass over the text (no nested quantifiers), so reading is linear in the text's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from whyrec.explain.text.mentions.words import NUMBER_WORDS, ZH_DIGITS, ZH_UNITS

__all__ = ["NumberKind", "StatedNumber", "find_numbers", "parse_zh_numeral"]

_ZH_NUMERAL = "零〇一二两三四五六七八九十百千万"
_EN_NOUN_AFTER_ONE = re.compile(r"\s+(?:of\b|film|movie|item|product|game|title|pick|thing)", re.IGNORECASE)
_MONEY_BEFORE = re.compile(r"[$€£¥￥]\s?$|(?:us|rmb|usd)\s?$", re.IGNORECASE)
_MONEY_AFTER = re.compile(r"\s?(?:dollars?|bucks|usd|euros?|pounds?|rmb|yuan)\b|\s?(?:块钱|块|元|美元|美金|刀)",
                          re.IGNORECASE)
_RANK_BEFORE = re.compile(r"(?:#|no\.\s?|number\s|top\s|rank(?:ed)?\s(?:#|no\.\s?)?|第)$", re.IGNORECASE)
_RANK_AFTER = re.compile(r"(?:st|nd|rd|th)\b|\s?(?:名|位)(?!置)", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_OFF_AFTER = re.compile(r"\s?(?:%\s?off\b|折)", re.IGNORECASE)
_STARS_AFTER = re.compile(r"\s?(?:-?stars?\b|星)", re.IGNORECASE)
_MEASURE_AFTER = re.compile(r"\s?[部个件款本首种项样位名家次]")
_DIGITS = re.compile(r"(?<![0-9A-Za-z.])\d+(?:[.,]\d+)*")
_ZH_RUN = re.compile(f"[{_ZH_NUMERAL}]+")


class NumberKind(StrEnum):
    """What a number claims."""

    COUNT = "count"
    RANK = "rank"
    PERCENT = "percent"
    PRICE = "price"
    DISCOUNT = "discount"
    DECADE = "decade"
    STARS = "stars"


@dataclass(frozen=True)
class StatedNumber:
    """A number in a text.

    Attributes:
        start: first character.
        end: one past the last character.
        text: the span as written.
        value: its value.
        kind: what it claims.
    """

    start: int
    end: int
    text: str
    value: float
    kind: NumberKind


def parse_zh_numeral(run: str) -> int:
    """The value of a Chinese numeral.

    Example:
        >>> parse_zh_numeral("三十"), parse_zh_numeral("二十五"), parse_zh_numeral("十五"), parse_zh_numeral("两百")
        (30, 25, 15, 200)
    """
    total, pending = 0, 0
    for char in run:
        if char in ZH_UNITS:
            total += (pending or 1) * ZH_UNITS[char]
            pending = 0
        else:
            pending = pending * 10 + ZH_DIGITS[char] if pending else ZH_DIGITS[char]
    return total + pending


def find_numbers(text: str, taken: Iterable[tuple[int, int]] = ()) -> list[StatedNumber]:
    """Every number stated in `text` outside the `taken` spans (titles), in text order.

    Example:
        >>> [(n.value, n.kind.value) for n in find_numbers("Three films, $30, 四折, 第2名 and 三十块.")]
        [(3.0, 'count'), (30.0, 'price'), (4.0, 'discount'), (2.0, 'rank'), (30.0, 'price')]
    """
    blocked = bytearray(len(text) + 1)
    for start, end in taken:
        blocked[start:end] = b"\x01" * (end - start)
    found: list[StatedNumber] = []
    for match in _DIGITS.finditer(text):
        if not blocked[match.start()]:
            value = float(match.group(0).replace(",", ""))
            found.append(_classify(text, match.start(), match.end(), value, latin=True))
    for match in _ZH_RUN.finditer(text):
        if blocked[match.start()]:
            continue
        after = text[match.end():match.end() + 3]
        # 一 counts only before a measure word; 一样 (the same), 哪一 (which), 每一 (every), 同一 (the same),
        # 唯一 (only) are words, not one of something
        if match.group(0) == "一" and (not _MEASURE_AFTER.match(after) or after.startswith("样")
                                        or text[match.start() - 1:match.start()] in ("哪", "每", "同", "唯")):
            continue
        if _MEASURE_AFTER.match(after) or _MONEY_AFTER.match(after) or after.startswith(("折", "星")) or (
                _RANK_BEFORE.search(text[max(0, match.start() - 1):match.start()])):
            found.append(_classify(text, match.start(), match.end(), float(parse_zh_numeral(match.group(0))),
                                   latin=False))
    for match in re.finditer(r"[A-Za-z]+", text):
        word = match.group(0).casefold()
        if word not in NUMBER_WORDS or blocked[match.start()]:
            continue
        if word in ("one", "single", "pair", "couple") and not _EN_NOUN_AFTER_ONE.match(text, match.end()):
            continue
        if word == "one" and text[max(0, match.start() - 4):match.start()].casefold() in ("the ", "this", "that"):
            continue
        found.append(_classify(text, match.start(), match.end(), float(NUMBER_WORDS[word]), latin=True))
    return sorted(found, key=lambda n: n.start)


def _classify(text: str, start: int, end: int, value: float, *, latin: bool) -> StatedNumber:
    before, after = text[max(0, start - 12):start], text[end:end + 12]
    kind = NumberKind.COUNT
    if _OFF_AFTER.match(after):
        kind = NumberKind.DISCOUNT
    elif _MONEY_BEFORE.search(before) or _MONEY_AFTER.match(after):
        kind = NumberKind.PRICE
    elif _STARS_AFTER.match(after):
        kind = NumberKind.STARS
    elif _PERCENT_AFTER.match(after) or text[max(0, start - 3):start] == "百分之":
        kind = NumberKind.PERCENT
    elif _RANK_BEFORE.search(before) or _RANK_AFTER.match(after):
        kind = NumberKind.RANK
    elif latin and after[:1] == "s" and value >= 1900 and not after[1:2].isalpha():
        kind = NumberKind.DECADE
    suffix = _STARS_AFTER.match(after) if kind is NumberKind.STARS else re.match(r"\s?(?:%|折|s\b)", after)
    end = end + (suffix.end() if suffix and kind in (NumberKind.PERCENT, NumberKind.DISCOUNT, NumberKind.DECADE,
                                                     NumberKind.STARS) else 0)
    return StatedNumber(start, end, text[start:end], value, kind)
