"""Find what a text mentions: catalog titles and attribute values, with spans, in time linear in the text.

Latin titles and values are matched on normalized tokens (see :mod:`.titles`), longest first, by walking a
set of token prefixes; CJK titles and values (a Chinese catalog, genre names) by substring, from a table
keyed by their first two characters. Neither walk backtracks.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from whyrec.data.catalog import Catalog
from whyrec.explain.text import zh
from whyrec.explain.text.mentions.titles import normalize, title_variants
from whyrec.explain.text.mentions.words import GENRE_FORMS, SENTENCE_START_WORDS

__all__ = ["CatalogIndex", "Mention", "Token", "blank", "inside", "is_cjk", "sentence_starts", "tokens"]

_QUOTED = re.compile(r"\"([^\"\n]{1,200})\"|“([^”\n]{1,200})”|《([^》\n]{1,200})》|「([^」\n]{1,200})」"
                     r"|«([^»\n]{1,200})»|(?<![\w’'])['‘]([^'’\n]{1,200}?)['’](?![\w’'])")
_SENTENCE_END = re.compile(r"[.!?。！？]+[\"'”’)」》]*(?:[^\S\n]+|$)|\n\s*")
_TRAILING_YEAR = re.compile(r"\s*[(,]?\s*\d{4}\)?\s*$")
_WORD = re.compile(r"[0-9a-z]+|&")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff][\u3400-\u4dbf\u4e00-\u9fff0-9A-Za-z·：:\- ]*")
_T = TypeVar("_T", int, str)
#: attributes whose values are common words ("low", "high"): named only with their attribute ("high price")
_WORD_VALUED = {"price_band": "price"}


def is_cjk(char: str) -> bool:
    """Whether `char` is a CJK ideograph."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def has_cjk(text: str) -> bool:
    """Whether `text` holds a CJK ideograph."""
    return any(is_cjk(c) for c in text)


@dataclass(frozen=True)
class Token:
    """A Latin word or number of the text, normalized (see `titles.normalize`), with its span in the text."""

    norm: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The text's normalized tokens; "&" reads as "and", accents are dropped, CJK separates words."""
    if text.isascii():
        plain = text.casefold()
    else:
        folded = [_plain(c) for c in text]
        if any(len(f) != 1 for f in folded):  # "ß" folds to "ss": offsets and forms part ways
            return _tokens_slowly(text, folded)
        plain = "".join(folded)
    return [Token("and" if m.group(0) == "&" else m.group(0), m.start(), m.end()) for m in _WORD.finditer(plain)]


def _tokens_slowly(text: str, folded: list[str]) -> list[Token]:
    out: list[Token] = []
    current: list[str] = []
    start = 0
    for i, word in enumerate(folded):
        if (word.isascii() and word.isalnum()) or word == "&":
            if word == "&":
                if current:
                    out.append(Token("".join(current), start, i))
                    current = []
                out.append(Token("and", i, i + 1))
                continue
            if not current:
                start = i
            current.append(word)
        elif current:
            out.append(Token("".join(current), start, i))
            current = []
    if current:
        out.append(Token("".join(current), start, len(text)))
    return out


@lru_cache(maxsize=4096)
def _plain(char: str) -> str:
    """One character casefolded without accents; anything but an ASCII letter or digit becomes a space."""
    if char == "&":
        return "&"
    folded = "".join(c for c in unicodedata.normalize("NFKD", char.casefold()) if not unicodedata.combining(c))
    return folded if folded.isascii() and folded.isalnum() else " "


@dataclass(frozen=True)
class Mention:
    """A span of the text that names something.

    Attributes:
        start: first character.
        end: one past the last character.
        text: the span as written.
        items: catalog item indices it names (titles), else empty.
        value: the attribute value it names (attributes), else "".
        quoted: whether it was written in quotes or 《》.
    """

    start: int
    end: int
    text: str
    items: frozenset[int] = frozenset()
    value: str = ""
    quoted: bool = False


class _Forms(Generic[_T]):
    """Normalized Latin forms (matched on tokens) and CJK forms (matched on characters) of names."""

    def __init__(self) -> None:
        self.latin: dict[str, set[_T]] = defaultdict(set)
        self.cjk: dict[str, set[_T]] = defaultdict(set)

    def add(self, form: str, target: _T) -> None:
        (self.cjk if has_cjk(form) else self.latin)[form].add(target)

    def freeze(self) -> None:
        self.prefixes = {" ".join(f.split()[:n]) for f in self.latin for n in range(1, len(f.split()) + 1)}
        self.heads: dict[str, list[str]] = defaultdict(list)
        for form in sorted(self.cjk, key=len, reverse=True):
            if len(form) >= 2:
                self.heads[form[:2]].append(form)

    def walk(self, toks: list[Token], i: int) -> tuple[int, str] | None:
        """The longest form starting at token `i`: (tokens used, form)."""
        best, key = None, ""
        for n in range(i, len(toks)):
            key = f"{key} {toks[n].norm}" if key else toks[n].norm
            if key not in self.prefixes:
                break
            if key in self.latin:
                best = (n - i + 1, key)
        return best

    def cjk_hits(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping CJK forms in `text`, longest first at each position."""
        out: list[tuple[int, int, str]] = []
        if not self.heads:
            return out
        for run in _CJK_RUN.finditer(text):
            i = run.start()
            while i < run.end() - 1:
                for form in self.heads.get(text[i:i + 2], ()):
                    if text.startswith(form, i):
                        out.append((i, i + len(form), form))
                        i += len(form) - 1
                        break
                i += 1
        return out


class CatalogIndex:
    """Every title form and attribute form of a catalog, for lookups by normalized text.

    Args:
        catalog: the catalog.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.position = {item_id: n for n, item_id in enumerate(catalog.items.ids)}
        self._titles: _Forms[int] = _Forms()
        for index, title in enumerate(catalog.titles):
            for form in title_variants(title) | _cjk_title_forms(title):
                self._titles.add(form, index)
        self._titles.freeze()
        self.titles: dict[str, frozenset[int]] = {f: frozenset(s) for f, s in self._titles.latin.items()}
        self.cjk_titles: dict[str, frozenset[int]] = {f: frozenset(s) for f, s in self._titles.cjk.items()}
        self._values: _Forms[str] = _Forms()
        self.raw_values: dict[str, str] = {}  # casefolded -> as written, for values a text quotes ("low")
        for name, per_item in catalog.attributes.categorical.items():
            for value in {v for vals in per_item for v in vals}:
                if value.casefold() == "unknown":
                    continue
                self.raw_values.setdefault(value.casefold(), value)
                for form in self.value_forms(value, name):
                    self._values.add(form, value)
        self._values.freeze()
        self.values: dict[str, str] = {f: min(s) for f, s in self._values.latin.items()}
        self.cjk_values: dict[str, str] = {f: min(s) for f, s in self._values.cjk.items()}

    @staticmethod
    def value_forms(value: str, attribute: str = "") -> set[str]:
        """Forms of an attribute value: as written, plural, joined, the genre forms of words.py, the Chinese
        display name the templates write (科幻片, 科幻)."""
        if attribute in _WORD_VALUED:
            noun = _WORD_VALUED[attribute]
            return {f"{normalize(value)} {noun}", f"{normalize(value)} {noun}d", f"{normalize(value)} end"}
        if has_cjk(value):
            return {value}
        base = normalize(value)
        forms = {base, base + "s", base.replace(" ", "")} if base else set()
        if base.endswith("y"):
            forms.add(base[:-1] + "ies")
        forms |= {f if has_cjk(f) else normalize(f) for f in GENRE_FORMS.get(base, ())}
        if shown := zh.TEMPLATES.values.get(value):
            forms |= {shown, shown.removesuffix("片")}
        return forms - {""}

    def lookup_title(self, span: str) -> frozenset[int]:
        """Items whose title is `span` (year suffix, case, article, edition and punctuation tolerated)."""
        if has_cjk(span):
            return self.cjk_titles.get(span.strip(), frozenset())
        found = self.titles.get(normalize(span))
        if found is None:
            found = self.titles.get(normalize(_TRAILING_YEAR.sub("", span)), frozenset())
        return found

    def quoted(self, text: str) -> list[Mention]:
        """Spans in quotes or 《》, each looked up as a title."""
        out = []
        for match in _QUOTED.finditer(text):
            group = next(g for g in range(1, 7) if match.group(g) is not None)
            raw = match.group(group)
            inner = raw.strip(" ,.;:!?")
            if not inner:
                continue
            start = match.start(group) + raw.index(inner)
            out.append(Mention(start, start + len(inner), inner, self.lookup_title(inner), quoted=True))
        return out

    def unquoted_titles(self, text: str, toks: list[Token], facts: frozenset[int],
                        taken: list[tuple[int, int]]) -> list[Mention]:
        """Title mentions outside `taken` spans: fact titles in any case; other titles only when capitalised.

        A one-word title that is not a fact counts only mid-sentence and from four letters up, so that
        "Speed" at the start of a sentence or "it" are not read as films.
        """
        out: list[Mention] = []
        starts = sentence_starts(text)
        blocked = _blocked(text, taken)
        i = 0
        while i < len(toks):
            hit = None if blocked[toks[i].start] else self._titles.walk(toks, i)
            if hit is not None:
                n, form = hit
                items = self.titles[form]
                first = text[toks[i].start]
                if items & facts:
                    ok = not (n == 1 and toks[i].norm in SENTENCE_START_WORDS)
                else:
                    ok = (first.isupper() or first.isdigit()) and not (
                        n == 1 and (toks[i].start in starts or len(toks[i].norm) < 4))
                if ok and not (n == 1 and toks[i].norm in self.values):  # "Drama" is a genre before a film
                    span = text[toks[i].start:toks[i + n - 1].end]
                    out.append(Mention(toks[i].start, toks[i + n - 1].end, span, items))
                    i += n
                    continue
            i += 1
        for start, end, form in self._titles.cjk_hits(text):
            if not blocked[start]:
                out.append(Mention(start, end, form, self.cjk_titles[form]))
        return sorted(out, key=lambda m: m.start)

    def attributes(self, text: str, toks: list[Token], taken: list[tuple[int, int]]) -> list[Mention]:
        """Attribute values mentioned outside `taken` spans (Latin forms by tokens, CJK forms by substring)."""
        out = []
        blocked = _blocked(text, taken)
        i = 0
        while i < len(toks):
            hit = None if blocked[toks[i].start] else self._values.walk(toks, i)
            if hit is not None:
                n, form = hit
                end = toks[i + n - 1].end
                out.append(Mention(toks[i].start, end, text[toks[i].start:end], value=self.values[form]))
                i += n
                continue
            i += 1
        out += [Mention(start, end, form, value=self.cjk_values[form])
                for start, end, form in self._values.cjk_hits(text) if not blocked[start]]
        return sorted(out, key=lambda m: m.start)


def _cjk_title_forms(title: str) -> set[str]:
    """A Chinese title as written, and without its year."""
    if not has_cjk(title):
        return set()
    return {title.strip(), _TRAILING_YEAR.sub("", title).strip()} - {""}


def _blocked(text: str, spans: Iterable[tuple[int, int]]) -> bytearray:
    flags = bytearray(len(text) + 1)
    for start, end in spans:
        flags[start:end] = b"\x01" * (end - start)
    return flags


def blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with the `spans` replaced by spaces (offsets kept)."""
    flags = _blocked(text, spans)
    return "".join(" " if flags[i] else c for i, c in enumerate(text))


def sentence_starts(text: str) -> set[int]:
    """Offsets where a sentence's first word starts."""
    starts = {len(text) - len(text.lstrip())}
    starts |= {m.end() for m in _SENTENCE_END.finditer(text)}
    quoted_starts = {s + 1 for s in starts if s < len(text) and text[s] in "\"'“‘"}
    return starts | quoted_starts


def inside(position: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether `position` falls in one of `spans`."""
    return any(start <= position < end for start, end in spans)
