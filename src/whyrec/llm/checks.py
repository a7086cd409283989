"""The fact checks of the guard: titles, roles, attributes bound to their items, numbers, names, claims.

Each check reads the mentions found once per text and returns ``(kind, start, end, detail)`` findings;
every one is linear in the text's length (a lookup per token or per mention).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property, lru_cache

from whyrec.explain.explanation import Lang
from whyrec.explain.text.mentions import (
    CatalogIndex,
    Mention,
    NumberKind,
    StatedNumber,
    blank,
    inside,
    is_cjk,
    normalize,
    title_variants,
    tokens,
)
from whyrec.llm.claims import COUNTERFACTUAL_CUES, ClaimKind, find_claims
from whyrec.llm.evidence import Facts
from whyrec.llm.lexicon import HISTORY_CUES, PERSON_CUES, RECOMMEND_CUES
from whyrec.llm.names import ChineseNames
from whyrec.llm.roles import Role

__all__ = ["Finding", "Scan", "attribute_findings", "claim_findings", "name_allowed", "number_findings",
           "role_findings", "title_findings", "untagged_chinese_titles"]

Finding = tuple[str, int, int, str]
"""(rejection kind, start, end, detail)."""

_LIST_GAP = re.compile(r"[\s,、;；\"'“”‘’《》「」]*(?:and|or|as well as|&|和|与|及|以及)?[\s,、;；\"'“”‘’《》「」]*",
                       re.IGNORECASE)
_SENTENCE_STOP = re.compile(r"[.!?。！？\n]")
_CLAUSE = re.compile(r"[,;:()—–，；：（）。.!?！？\n]")
_SEQUEL = re.compile(r"\s*(?:\d{1,2}|ii|iii|iv|v|vi)\b(?!\s*(?:films?|movies?|items?|products?|games?|of|stars?))",
                     re.IGNORECASE)
_ZH_SKIP = frozenset(" 了过的给你您们我")
# what may follow "看过" or "推荐" in a faithful Chinese sentence, besides a title in 《》 or a known value
_ZH_GENERIC = ("它", "这", "那", "该", "此", "其", "类似", "同类", "相似", "很多", "许多", "不少", "一些", "几", "多",
               "电影", "影片", "片子", "商品", "产品", "游戏", "物品", "东西", "作品", "同样", "更多", "以下", "下面",
               "和", "与", "及", "以及", "所以", "因此", "因为", "是", "也", "都", "还", "就", "而", "并", "又", "且",
               "一部", "一款", "一件", "两", "三", "四", "五", "后", "之后", "以后", "时")
_CLAIM_REJECTION = {ClaimKind.TIME: "unsupported_claim", ClaimKind.CERTAINTY: "unsupported_claim",
                    ClaimKind.GUARANTEE: "unsupported_claim", ClaimKind.SOCIAL_PROOF: "unsupported_claim",
                    ClaimKind.NEGATION: "negation", ClaimKind.INSTRUCTION: "instruction"}


@dataclass(frozen=True)
class Scan:
    """What one text mentions, found once and shared by the checks."""

    text: str
    quoted: list[Mention]
    titles: list[Mention]
    roles: list[Role | None]
    attributes: list[Mention]
    numbers: list[StatedNumber]
    facts: Facts
    taken: list[tuple[int, int]]
    index: CatalogIndex

    @cached_property
    def fact_words(self) -> str:
        """Every form of the facts' titles and every evidence label (also as written), as one searchable string."""
        forms = [f for i in self.facts.items for f in _forms_of(self.index, i)]
        forms += [normalize(label) for label in self.facts.labels] + list(self.facts.labels)
        return " " + " | ".join(forms) + " "

    @cached_property
    def masked(self) -> str:
        """The text with every title blanked (NULs), so punctuation inside titles ("E.T.") breaks nothing."""
        return _mask(self.text, [(m.start, m.end) for m in [*self.quoted, *self.titles]])


def title_findings(scan: Scan, index: CatalogIndex) -> Iterator[Finding]:
    """Invented, truncated, sequel and repeated titles."""
    facts = scan.facts
    fact_forms = {f for i in facts.items for f in _forms_of(index, i)}
    for m in scan.quoted:
        if m.items:
            continue
        words = normalize(m.text)
        if m.text in index.cjk_values or words in index.values or m.text.casefold() in index.raw_values:
            continue
        if words and any(f" {words} " in f" {form} " for form in fact_forms):
            yield ("truncated_title", m.start, m.end, "a piece of a title; expected the title as the catalog has it")
        elif not (m.start > 0 and scan.text[m.start - 1] in "“「" and not tokens(m.text)):  # a Chinese quotation
            yield ("invented_title", m.start, m.end, "not a title of the catalog; expected one of the titles given")
    for m in scan.titles:
        if not m.items & facts.items and not _franchise(m, fact_forms):
            yield ("invented_title", m.start, m.end, "a catalog title that is not in the evidence")
        elif not m.quoted and (sequel := _SEQUEL.match(scan.text, m.end)) and not (
                index.lookup_title(scan.text[m.start:sequel.end()]) & facts.items):
            yield ("invented_title", m.start, sequel.end(), "a sequel the catalog does not name here")
    named = sorted({(m.start, m.end): m for m in [*scan.quoted, *scan.titles]}.values(), key=lambda m: m.start)
    for previous, m in itertools.pairwise(named):
        same = previous.items == m.items if m.items else normalize(previous.text) == normalize(m.text)
        if same and _LIST_GAP.fullmatch(scan.text, previous.end, m.start):
            yield ("repeated_title", m.start, m.end, "the same title twice in a row; expected each item once")


def role_findings(scan: Scan, lang: Lang) -> Iterator[Finding]:
    """Swapped roles, negative evidence given as a reason, the strongest evidence dropped, a wrong counterfactual."""
    facts = scan.facts
    history = facts.history
    named_history: set[int] = set()
    for m, role in zip(scan.titles, scan.roles, strict=True):
        if role is Role.RECOMMENDED and facts.recommended not in m.items and m.items & history:
            yield ("swapped_role", m.start, m.end, "an item the user interacted with, presented as the recommended one")
        elif role is Role.HISTORY and facts.recommended in m.items and not m.items & history:
            yield ("swapped_role", m.start, m.end, "the recommended item, presented as one the user interacted with")
        elif role is Role.HISTORY and m.items & facts.opposing and not m.items & set(facts.supporting):
            yield ("negative_evidence", m.start, m.end, "this item counts against the recommendation")
        if role is not Role.RECOMMENDED:
            named_history |= m.items & history
    if facts.strongest is not None and named_history and facts.strongest not in named_history:
        span = next(m for m in scan.titles if m.items & named_history)
        yield ("dropped_evidence", span.start, span.end, "the strongest evidence is not named; expected it first")
    yield from _counterfactual(scan, facts, lang)


def _counterfactual(scan: Scan, facts: Facts, lang: Lang) -> Iterator[Finding]:
    for cue in COUNTERFACTUAL_CUES[lang].finditer(scan.text):
        end = _sentence_end(scan, cue.end())
        named = [m.items for m in scan.titles if cue.end() <= m.start < end]
        if facts.removed is None:
            yield ("wrong_counterfactual", cue.start(), cue.end(), "no verified counterfactual backs this")
        elif named and (any(not items & facts.removed for items in named)
                        or set().union(*(items & facts.removed for items in named)) != facts.removed):
            yield ("wrong_counterfactual", cue.start(), end, "not the verified set of removed items")


def attribute_findings(scan: Scan) -> Iterator[Finding]:
    """Attribute values must belong to the item they are said of (the nearest title in the sentence; every title
    of a list said to share it, "A and B are both dramas")."""
    facts = scan.facts
    text = scan.masked
    for m in scan.attributes:
        value = m.value.casefold()
        owners = _owners(text, m, scan.titles)
        if owners:
            allowed = set.intersection(*({v for i in o.items & facts.items for v in facts.values.get(i, ())}
                                         for o in owners))
            if all(o.items & facts.history for o in owners):
                allowed |= facts.evidence_values
            where = "the item it is said of"
        elif _clause_has(text, m, HISTORY_CUES):
            allowed = {v for i in facts.history for v in facts.values.get(i, ())} | facts.evidence_values
            where = "the user's history"
        else:
            allowed = set(facts.values.get(facts.recommended, ())) | facts.evidence_values
            where = "the recommended item"
        if value not in allowed:
            yield ("invented_attribute", m.start, m.end, f"{m.value!r} is not an attribute of {where}")


def number_findings(scan: Scan, also_allowed: frozenset[float]) -> Iterator[Finding]:
    """Counts, ranks, shares, prices and years must follow from the evidence (never from digits in titles)."""
    facts = scan.facts
    for n in scan.numbers:
        if n.kind is NumberKind.DISCOUNT:
            yield ("unsupported_claim", n.start, n.end, "the evidence has no discounts")
            continue
        if n.kind is NumberKind.PRICE:
            owners = _owners(scan.masked, Mention(n.start, n.end, n.text), scan.titles)
            item = facts.recommended if not owners else min(owners[0].items)
            price = facts.prices.get(item)
            if price is None or abs(n.value - price) > 0.5:
                known = "none known" if price is None else price
                yield ("wrong_count", n.start, n.end, f"not the item's price ({known})")
            continue
        if n.kind is NumberKind.STARS:
            yield from _star_findings(scan, n)
            continue
        allowed = {NumberKind.RANK: facts.ranks, NumberKind.PERCENT: facts.percents,
                   NumberKind.DECADE: set()}.get(n.kind, facts.counts | facts.years) | also_allowed
        decade = n.kind is NumberKind.DECADE and any(n.value <= y < n.value + 10 for y in facts.years)
        named = float(len({i for m in scan.titles for i in m.items & facts.history}))
        if n.value not in allowed and not decade and not (n.kind is NumberKind.COUNT and n.value == named):
            yield ("wrong_count", n.start, n.end, f"not derivable from the evidence (allowed: {_listed(allowed)})")


def _star_findings(scan: Scan, n: StatedNumber) -> Iterator[Finding]:
    """A star rating must be the one the user gave the item it is said of (any rated item when none is named)."""
    ratings = scan.facts.ratings
    owners = _rated(scan.masked, n, scan.titles)
    if owners:
        items = {i for m in owners for i in m.items if i in ratings}
        held = bool(items) and all(ratings[i] == n.value for i in items)
    else:
        items = set(ratings)
        held = n.value in {ratings[i] for i in items}
    if not held:
        known = ", ".join(sorted({f"{ratings[i]:g}" for i in items})) or "none"
        yield ("wrong_count", n.start, n.end, f"not the user's rating (given: {known})")


def _rated(masked: str, n: StatedNumber, titles: Sequence[Mention]) -> list[Mention]:
    """The titles a star rating is said of: the last title before it in its sentence and those listed with it
    ("rated A and B 5 stars"); none when the sentence names no title before it."""
    sentence_start = _sentence_start(masked, n.start)
    before = sorted((t for t in titles if sentence_start <= t.start and t.end <= n.start), key=lambda t: t.start)
    if not before:
        return []
    group = [before[-1]]
    for earlier in reversed(before[:-1]):
        if not _LIST_GAP.fullmatch(masked, earlier.end, group[-1].start):
            break
        group.append(earlier)
    return group


def claim_findings(scan: Scan, lang: Lang) -> Iterator[Finding]:
    """Time, certainty, guarantee, social-proof and negation claims; instructions and role markers; people.

    Titles are blanked first: "Everyone Says I Love You" claims nothing.
    """
    facts = scan.facts
    spans = [(m.start, m.end) for m in [*scan.quoted, *scan.titles]]
    spans += [(n.start, n.end) for n in scan.numbers if n.kind is NumberKind.STARS]  # "5 stars" names no actor
    text = blank(scan.text, spans)
    for claim in find_claims(text, lang, social_proof_backed=facts.popularity):
        yield (_CLAIM_REJECTION[claim.kind], claim.start, claim.end, f"a {claim.kind} claim the evidence does not make")
    if not facts.people:
        for m in PERSON_CUES[lang].finditer(text):
            yield ("invented_name", m.start(), m.end(), "the evidence names no people")


def untagged_chinese_titles(scan: Scan, names: ChineseNames, words: list[tuple[int, str, str]]) -> Iterator[Finding]:
    """A Chinese text that names a work right after "看过" or "推荐" without 《》: a translated or made-up title.

    The catalog's own Chinese titles and values are found before (and masked); what is left after a cue
    must be a pronoun, a quantity, a generic noun or a quoted title.
    """
    text = scan.text
    starting = {start: word for start, word, _ in words}
    for lang_cues in (HISTORY_CUES["zh"], RECOMMEND_CUES["zh"]):
        for cue in lang_cues.finditer(text):
            at = cue.end()
            while at < len(text) and text[at] in _ZH_SKIP:
                at += 1
            if at >= len(text) or not is_cjk(text[at]) or inside(at, scan.taken):
                continue
            word = starting.get(at, "")
            if len(word) >= 2 and not word.startswith(_ZH_GENERIC) and word not in names.known and not any(
                    cues["zh"].match(word) for cues in (HISTORY_CUES, RECOMMEND_CUES)):
                yield ("invented_title", at, at + len(word), "a title outside 《》; expected a catalog title in 《》")


def name_allowed(name: str, scan: Scan) -> bool:
    """A name is allowed when it is part of a fact's title or of an evidence label (a KG actor)."""
    if is_cjk(name[0]):
        return name in scan.fact_words
    words = normalize(name)
    return bool(words) and f" {words} " in scan.fact_words


def _forms_of(index: CatalogIndex, item: int) -> frozenset[str]:
    return _variants(index.catalog.titles[item])


@lru_cache(maxsize=65_536)
def _variants(title: str) -> frozenset[str]:
    return frozenset(title_variants(title))


def _franchise(m: Mention, fact_forms: set[str]) -> bool:
    """An unquoted catalog title that starts a fact's title ("Star Trek" for "Star Trek: Generations")."""
    words = normalize(m.text)
    return not m.quoted and any(form.startswith(words + " ") for form in fact_forms)


def _owners(masked: str, m: Mention, titles: Sequence[Mention]) -> list[Mention]:
    """The titles an attribute or price is said of: the nearest in its clause with the titles listed with it,
    else the one just before it in the sentence; none when it is said of nothing named."""
    clause_start, clause_end = _clause(masked, m.start)
    inside_clause = [t for t in titles if clause_start <= t.start < clause_end]
    if inside_clause:
        nearest = min(inside_clause, key=lambda t: min(abs(t.end - m.start), abs(m.end - t.start)))
        at = inside_clause.index(nearest)
        group = [nearest]
        for step in (-1, 1):
            k = at
            while 0 <= k + step < len(inside_clause):
                a, b = sorted((inside_clause[k], inside_clause[k + step]), key=lambda t: t.start)
                if not _LIST_GAP.fullmatch(masked, a.end, b.start):
                    break
                k += step
                group.append(inside_clause[k])
        return group
    sentence_start = _sentence_start(masked, m.start)
    before = [t for t in titles if sentence_start <= t.start < m.start]
    if before and not _has_cue(masked[before[-1].end:m.start]):
        return [before[-1]]
    return []


def _has_cue(piece: str) -> bool:
    return any(cues[lang].search(piece) for cues in (HISTORY_CUES, RECOMMEND_CUES) for lang in ("en", "zh"))


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\x00" * (end - start)
    return "".join(chars)


def _clause_has(text: str, m: Mention, cues: dict[str, re.Pattern[str]]) -> bool:
    start, end = _clause(text, m.start)
    return any(cues[lang].search(text, start, end) for lang in ("en", "zh"))


def _clause(text: str, at: int) -> tuple[int, int]:
    start = at
    while start > 0 and not _CLAUSE.match(text[start - 1]):
        start -= 1
    found = _CLAUSE.search(text, at)
    return start, found.start() if found else len(text)


def _sentence_start(text: str, at: int) -> int:
    start = at
    while start > 0 and text[start - 1] not in ".!?。！？\n":
        start -= 1
    return start


def _sentence_end(scan: Scan, at: int) -> int:
    """Where the sentence that holds `at` ends (a full stop inside a title, "Mr. Holland's Opus", does not count)."""
    spans = [(m.start, m.end) for m in scan.titles]
    for found in _SENTENCE_STOP.finditer(scan.text, at):
        if not inside(found.start(), spans):
            return found.start()
    return len(scan.text)


def _listed(numbers: AbstractSet[float]) -> str:
    shown = sorted(numbers)[:8]
    return ", ".join(f"{n:g}" for n in shown) + (", ..." if len(numbers) > 8 else "")
