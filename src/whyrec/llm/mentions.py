"""Find what a text mentions: catalog titles, attribute values, numbers and capitalised names, with spans."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from whyrec.data.catalog import Catalog
from whyrec.llm.lexicon import GENRE_FORMS, NUMBER_WORDS, SENTENCE_START_WORDS, ZH_NUMBER
from whyrec.llm.titles import normalize, title_variants

__all__ = ["CatalogIndex", "Mention", "Token", "capitalised_runs", "find_numbers", "is_cjk", "sentence_starts",
           "tokens"]

_MAX_TITLE_TOKENS = 14
_QUOTED = re.compile(r"\"([^\"\n]{1,120})\"|“([^”\n]{1,120})”|《([^》\n]{1,120})》|「([^」\n]{1,120})」|«([^»\n]{1,120})»"
                     r"|(?<![\w’'])['‘]([^'’\n]{1,120}?)['’](?![\w’'])")
_NUMBER = re.compile(r"(?<![0-9A-Za-z.])(\d+(?:[.,]\d+)?)(s\b|%)?")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")
_SENTENCE_END = re.compile(r"[.!?。！？]+[\"'”’)]*(?:\s+|$)|\s*\n\s*")
_TRAILING_YEAR = re.compile(r"\s*[(,]?\s*\d{4}\)?\s*$")


def is_cjk(char: str) -> bool:
    """Whether `char` is a CJK ideograph."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@dataclass(frozen=True)
class Token:
    """A Latin word or number of the text, normalized (see `titles.normalize`), with its span in the text."""

    norm: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The text's normalized tokens; "&" reads as "and", accents are dropped, CJK separates words."""
    out: list[Token] = []
    current: list[str] = []
    start = 0
    for i, char in enumerate(text):
        plain = unicodedata.normalize("NFKD", char.casefold())
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        word = "and" if char == "&" else plain
        if word.isascii() and word.isalnum():
            if not current:
                start = i
            current.append(word)
            if char == "&":
                out.append(Token("and", i, i + 1))
                current = []
            continue
        if current:
            out.append(Token("".join(current), start, i))
            current = []
    if current:
        out.append(Token("".join(current), start, len(text)))
    return out


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


class CatalogIndex:
    """Every title variant and attribute form of a catalog, for lookups by normalized text.

    Args:
        catalog: the catalog.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        titles: dict[str, set[int]] = defaultdict(set)
        for index, title in enumerate(catalog.titles):
            for form in title_variants(title):
                titles[form].add(index)
        self.titles = {form: frozenset(items) for form, items in titles.items()}
        self.values: dict[str, str] = {}
        self.cjk_values: dict[str, str] = {}
        for name, per_item in catalog.attributes.categorical.items():
            for value in {v for vals in per_item for v in vals}:
                for form in self.value_forms(value):
                    (self.cjk_values if any(is_cjk(c) for c in form) else self.values).setdefault(form, value)
        self.values.pop("unknown", None)

    @staticmethod
    def value_forms(value: str) -> set[str]:
        """Normalized forms of an attribute value: as written, plural, and the genre forms of lexicon.py."""
        base = normalize(value)
        forms = {base, base + "s", base.replace(" ", "")} if base else set()
        if base.endswith("y"):
            forms.add(base[:-1] + "ies")
        forms |= {f if any(is_cjk(c) for c in f) else normalize(f) for f in GENRE_FORMS.get(base, ())}
        return forms - {""}

    def lookup_title(self, span: str) -> frozenset[int]:
        """Items whose title is `span` (year suffix, case, article and punctuation tolerated)."""
        norm = normalize(span)
        found = self.titles.get(norm)
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
        i = 0
        while i < len(toks):
            if _inside(toks[i].start, taken):
                i += 1
                continue
            hit = None
            for n in range(min(_MAX_TITLE_TOKENS, len(toks) - i), 0, -1):
                items = self.titles.get(" ".join(t.norm for t in toks[i:i + n]))
                if not items:
                    continue
                first = text[toks[i].start]
                if items & facts:
                    if n == 1 and toks[i].norm in SENTENCE_START_WORDS:
                        continue
                elif not (first.isupper() or first.isdigit()) or (
                        n == 1 and (toks[i].start in starts or len(toks[i].norm) < 4)):
                    continue
                if toks[i].norm in self.values and n == 1:
                    continue  # "Drama" is a genre before it is a film
                hit = Mention(toks[i].start, toks[i + n - 1].end, text[toks[i].start:toks[i + n - 1].end], items)
                i += n
                break
            if hit is None:
                i += 1
            else:
                out.append(hit)
        return out

    def attributes(self, text: str, toks: list[Token], taken: list[tuple[int, int]]) -> list[Mention]:
        """Attribute values mentioned outside `taken` spans (Latin forms by tokens, CJK forms by substring)."""
        out = []
        i = 0
        while i < len(toks):
            for n in (3, 2, 1):
                form = " ".join(t.norm for t in toks[i:i + n])
                if len(toks) - i >= n and form in self.values and not _inside(toks[i].start, taken):
                    out.append(Mention(toks[i].start, toks[i + n - 1].end, text[toks[i].start:toks[i + n - 1].end],
                                       value=self.values[form]))
                    i += n - 1
                    break
            i += 1
        for form, value in self.cjk_values.items():
            for match in re.finditer(re.escape(form), text):
                if not _inside(match.start(), taken):
                    out.append(Mention(match.start(), match.end(), form, value=value))
        return out


def find_numbers(text: str, toks: list[Token], taken: list[tuple[int, int]]) -> Iterator[tuple[Mention, float]]:
    """Numbers written with digits, English number words or Chinese numerals, outside `taken` spans."""
    for match in _NUMBER.finditer(text):
        if _inside(match.start(), taken):
            continue
        value = float(match.group(1).replace(",", ""))
        yield Mention(match.start(), match.end(), match.group(0)), value
    for token in toks:
        if token.norm in NUMBER_WORDS["en"] and not _inside(token.start, taken):
            yield Mention(token.start, token.end, text[token.start:token.end]), float(NUMBER_WORDS["en"][token.norm])
    for match in ZH_NUMBER.finditer(text):
        if not _inside(match.start(), taken):
            yield Mention(match.start(), match.end(), match.group(1)), float(NUMBER_WORDS["zh"][match.group(1)])


def capitalised_runs(text: str, taken: list[tuple[int, int]]) -> Iterator[Mention]:
    """Runs of capitalised words outside `taken` spans that may be names.

    A single capitalised word at a sentence start is not a name; a run there loses a leading function word
    ("The Coen brothers" -> "Coen").
    """
    starts = sentence_starts(text)
    words = [m for m in _CAPITALISED.finditer(text) if not _inside(m.start(), taken)]
    runs: list[list[re.Match[str]]] = []
    for word in words:
        if runs and re.fullmatch(r"[ \t]+", text[runs[-1][-1].end():word.start()] or "x"):
            runs[-1].append(word)
        else:
            runs.append([word])
    for run in runs:
        if run[0].start() in starts:
            if run[0].group(0).casefold() in SENTENCE_START_WORDS or len(run) == 1:
                run = run[1:]
        run = [w for w in run if w.group(0) != "I"]
        if run:
            yield Mention(run[0].start(), run[-1].end(), text[run[0].start():run[-1].end()])


def sentence_starts(text: str) -> set[int]:
    """Offsets where a sentence's first word starts."""
    starts = {len(text) - len(text.lstrip())}
    starts |= {m.end() for m in _SENTENCE_END.finditer(text)}
    quoted_starts = {s + 1 for s in starts if s < len(text) and text[s] in "\"'“‘"}
    return starts | quoted_starts


def _inside(position: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)
