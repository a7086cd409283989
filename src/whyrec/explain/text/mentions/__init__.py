"""Entity faithfulness, shared by the template realizer's check and the LLM guard.

One scanner finds which catalog titles, attribute values and numbers a text mentions, with spans
(:class:`CatalogIndex`, :func:`find_numbers`); :func:`unsupported_mentions` lists those the explanation does
not back. A text is faithful to an explanation when every title, attribute value and number it mentions also
appears in the explanation: in an evidence label or ref, in the counterfactual, or as the recommended item.
Titles are found first (see :mod:`.titles` for the forms people write) and masked, so the year in
"Fargo (1996)" is not read as a number. :mod:`whyrec.llm.guard` adds what only free text needs: roles,
per-item binding, names, claims and form.

Nothing here imports the LLM client or httpx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from whyrec.data.catalog import Catalog
from whyrec.explain.explanation import Explanation
from whyrec.explain.text.mentions.index import (
    CatalogIndex,
    Mention,
    Token,
    blank,
    inside,
    is_cjk,
    sentence_starts,
    tokens,
)
from whyrec.explain.text.mentions.numbers import NumberKind, StatedNumber, find_numbers, parse_zh_numeral
from whyrec.explain.text.mentions.titles import core_forms, display_title, normalize, title_variants
from whyrec.explain.text.realize import kg_parts

__all__ = ["CatalogIndex", "Mention", "Mentions", "NumberKind", "StatedNumber", "Token", "allowed_mentions", "blank",
           "catalog_index", "core_forms", "display_title", "find_mentions", "find_numbers", "inside", "is_cjk",
           "normalize", "parse_zh_numeral", "sentence_starts", "title_variants", "tokens", "unsupported_mentions"]

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


@lru_cache(maxsize=8)
def catalog_index(catalog: Catalog) -> CatalogIndex:
    """The (cached) index of `catalog`'s title and value forms."""
    return CatalogIndex(catalog)


@lru_cache(maxsize=_CACHE_SIZE)  # evidence labels repeat across explanations
def _scan(text: str, index: CatalogIndex) -> Mentions:
    toks = tokens(text)
    quoted = [m for m in index.quoted(text) if m.items]
    taken = [(m.start, m.end) for m in quoted]
    titles = quoted + index.unquoted_titles(text, toks, frozenset(), taken)
    taken += [(m.start, m.end) for m in titles]
    values = index.attributes(text, toks, taken)
    taken += [(m.start, m.end) for m in values]
    numbers = {f"{n.value:g}" for n in find_numbers(text, taken)}
    return Mentions(frozenset(_canonical(m, index) for m in titles), frozenset(m.value for m in values),
                    frozenset(numbers))


def _canonical(m: Mention, index: CatalogIndex) -> str:
    """The catalog title a mention names: the one spelled as written, else the first."""
    written = normalize(m.text)
    titles = [index.catalog.titles[i] for i in sorted(m.items)]
    return next((t for t in titles if normalize(t) == written), titles[0])


def find_mentions(text: str, catalog: Catalog) -> Mentions:
    """Every catalog title, catalog attribute value and number that `text` mentions.

    Example:
        >>> find_mentions("Because you watched Fargo (1996).", ml100k.catalog).titles  # doctest: +SKIP
        frozenset({'Fargo (1996)'})
    """
    return _scan(text, catalog_index(catalog))


def allowed_mentions(explanation: Explanation, catalog: Catalog) -> Mentions:
    """What a text about `explanation` may mention.

    That is whatever its evidence labels mention, the titles of the items its evidence refs, KG paths and
    counterfactual name, the recommended item's title, its rank, and the counterfactual's size and new rank.
    """
    found = Mentions()
    for evidence in explanation.evidence:
        found = found | find_mentions(evidence.label, catalog)
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
