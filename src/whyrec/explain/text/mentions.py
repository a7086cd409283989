"""Entity faithfulness: which titles, attribute values and numbers a text mentions, and which the evidence backs.

A text is faithful to an explanation when every catalog title, catalog attribute value and number it
mentions also appears in the explanation: in an evidence label or ref, in the counterfactual, or as the
recommended item itself. Titles are matched first (longest first, also without their trailing year when
that leaves at least two words) and blanked out, so the year in "Fargo (1996)" is not read as a number;
attribute values are matched as whole words, case-sensitively, and in Chinese also by their display names
("科幻片", "科幻"). Numbers are digits (``1,234`` reads as ``1234``) and the English words zero to twenty;
Chinese numerals are not read (一 is part of too many words), so Chinese templates write counts in digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from whyrec.data.catalog import Catalog
from whyrec.explain.explanation import Explanation
from whyrec.explain.text import zh
from whyrec.explain.text.realize import kg_parts

__all__ = ["Mentions", "allowed_mentions", "find_mentions", "unsupported_mentions"]

_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty").split()
_NUMBER = re.compile(r"(?<![A-Za-z0-9.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![A-Za-z0-9])|\b("
                     + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_TRAILING_YEAR = re.compile(r"\s*\(\d{4}\)$")
_MIN_ALIAS_CHARS = 8
_CACHE_SIZE = 50_000


@dataclass(frozen=True)
class Mentions:
    """Entities found in a text, in the catalog's own spelling.

    Attributes:
        titles: item titles.
        values: categorical attribute values of items.
        numbers: numbers, as decimal strings (``"3"``; ``"three"`` reads as ``"3"``).
    """

    titles: frozenset[str] = field(default_factory=frozenset)
    values: frozenset[str] = field(default_factory=frozenset)
    numbers: frozenset[str] = field(default_factory=frozenset)

    def __or__(self, other: Mentions) -> Mentions:
        return Mentions(self.titles | other.titles, self.values | other.values, self.numbers | other.numbers)


class _Scanner:
    """The names to look for in one catalog (titles and values, longest first), with a cache of scans."""

    def __init__(self, catalog: Catalog) -> None:
        self.title_of: dict[str, str] = {t: t for t in catalog.titles}
        for title in catalog.titles:
            alias = _TRAILING_YEAR.sub("", title)
            if alias != title and len(alias) >= _MIN_ALIAS_CHARS and len(alias.split()) >= 2:
                self.title_of.setdefault(alias, title)
        self.titles = _longest_first(self.title_of)
        self.value_of: dict[str, str] = {}
        for per_item in catalog.attributes.categorical.values():
            for values in set(per_item):
                self.value_of.update((v, v) for v in values)
        for value, shown in zh.TEMPLATES.values.items():
            if value in self.value_of:
                self.value_of.setdefault(shown, value)
                self.value_of.setdefault(shown.removesuffix("片"), value)
        self.values = _longest_first(self.value_of)
        self.cache: dict[str, Mentions] = {}  # evidence labels repeat across explanations

    def scan(self, text: str) -> Mentions:
        found = self.cache.get(text)
        if found is None:
            if len(self.cache) >= _CACHE_SIZE:
                self.cache.clear()
            found = self.cache[text] = self._scan(text)
        return found

    def _scan(self, text: str) -> Mentions:
        titles, text = self._take(self.titles, self.title_of, text)
        values, text = self._take(self.values, self.value_of, text)
        numbers = set()
        for match in _NUMBER.finditer(text):
            word = match.group(1)
            numbers.add(str(_NUMBER_WORDS.index(word.lower())) if word else match.group(0).replace(",", ""))
        return Mentions(frozenset(titles), frozenset(values), frozenset(numbers))

    @staticmethod
    def _take(names: tuple[str, ...], canonical: Mapping[str, str], text: str) -> tuple[set[str], str]:
        """Find `names` (longest first, no overlaps, whole words at ASCII edges) and blank them out."""
        taken = bytearray(len(text))
        found: set[str] = set()
        for name in names:
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                if _bounded(text, start, end) and not any(taken[start:end]):
                    taken[start:end] = b"\x01" * len(name)
                    found.add(canonical[name])
                start = text.find(name, start + 1)
        if found:
            text = "".join(" " if flag else ch for ch, flag in zip(text, taken, strict=True))
        return found, text


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _bounded(text: str, start: int, end: int) -> bool:
    """No ASCII letter or digit glued to either end of a match that starts or ends with one."""
    if _word_char(text[start]) and start > 0 and _word_char(text[start - 1]):
        return False
    return not (_word_char(text[end - 1]) and end < len(text) and _word_char(text[end]))


def _longest_first(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({n for n in names if n}, key=lambda n: (-len(n), n)))


@lru_cache(maxsize=8)
def _scanner(catalog: Catalog) -> _Scanner:
    return _Scanner(catalog)


def find_mentions(text: str, catalog: Catalog) -> Mentions:
    """Every catalog title, catalog attribute value and number that `text` mentions.

    Example:
        >>> find_mentions("Because you watched Fargo (1996).", ml100k.catalog).titles  # doctest: +SKIP
        frozenset({'Fargo (1996)'})
    """
    return _scanner(catalog).scan(text)


def allowed_mentions(explanation: Explanation, catalog: Catalog) -> Mentions:
    """What a text about `explanation` may mention.

    That is whatever its evidence labels mention, the titles of the items its evidence refs, KG paths and
    counterfactual name, the recommended item's title, its rank, and the counterfactual's size and new rank.
    """
    scanner = _scanner(catalog)
    found = Mentions()
    for evidence in explanation.evidence:
        found = found | scanner.scan(evidence.label)
    ids = [explanation.item_id, *(x.ref for x in explanation.evidence)]
    ids += [parts[3] for x in explanation.evidence if (parts := kg_parts(x)) is not None]
    numbers = {str(explanation.rank)}
    values = {x.ref.partition("=")[2] for x in explanation.evidence if "=" in x.ref}
    cf = explanation.counterfactual
    if cf is not None:
        ids += list(cf.removed)
        numbers.add(str(len(cf.removed)))
        if cf.new_rank is not None:
            numbers.add(str(cf.new_rank))
    titles = {catalog.label(catalog.items.index_of(i)) for i in ids if i in catalog.items}
    return found | Mentions(frozenset(titles), frozenset(values), frozenset(numbers))


def unsupported_mentions(text: str, explanation: Explanation, catalog: Catalog) -> list[str]:
    """Entities in `text` that `explanation` does not back, described for people (empty = faithful).

    Example:
        >>> unsupported_mentions("Because you watched Heat (1995).", explanation, catalog)  # doctest: +SKIP
        ["title 'Heat (1995)'"]
    """
    said = find_mentions(text, catalog)
    allowed = allowed_mentions(explanation, catalog)
    return ([f"title {t!r}" for t in sorted(said.titles - allowed.titles)]
            + [f"attribute value {v!r}" for v in sorted(said.values - allowed.values)]
            + [f"number {n}" for n in sorted(said.numbers - allowed.numbers)])
