"""Explanation -> one or two sentences, from templates filled only with the explanation's own evidence.

The first sentence says why (the kind of the leading supporting evidence picks the template, the event kind of
each history item its verb: bought, added to cart, rated, clicked, viewed). The second claims only what the
counterfactual's verification supports: "If you had not bought X, we would not show this" only when the model
was refitted without those interactions (``verified == "retrained"``); "X is the main reason this model ranks
it here" when the same weights re-scored the edited history (``"rescored"``); nothing when unverified. It
never states a new rank, so a tie that only moved the order is never claimed as a change of rank.
Every title, attribute value and number in the text comes from the evidence, the counterfactual or the
recommended item; :mod:`whyrec.explain.text.mentions` checks that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TypeVar

from whyrec.data.catalog import Catalog
from whyrec.errors import ConfigError
from whyrec.explain.explanation import Evidence, EvidenceKind, ExplainMethod, Explanation, Lang, Reason, TextSource
from whyrec.explain.text import en, zh
from whyrec.explain.text.templates import Domain, Templates

__all__ = ["ATTRIBUTE_COUNT", "TEMPLATES", "attribute_counts", "infer_domain", "kg_parts", "realize", "stars_text"]

TEMPLATES: dict[Lang, Templates] = {Lang.EN: en.TEMPLATES, Lang.ZH: zh.TEMPLATES}
"""The template table of each language."""

#: The count that :class:`~whyrec.explain.attributes.AttributeExplainer` writes into each label.
ATTRIBUTE_COUNT = re.compile(r"\((\d+) of your (\d+) items\)$")
_YEAR_TITLE = re.compile(r"\(\d{4}\)$")
_MAX_ITEMS = 2  # titles named in the first sentence
_MAX_ATTRIBUTES = 2
_MAX_LINKS = 2
_SKIPPED_VALUES = frozenset({"unknown", ""})  # placeholders in catalogs, not tastes
_E = TypeVar("_E", Lang, Domain)
# BCP 47 tags people pass for the two languages (Traditional Chinese is not Simplified: zh-TW is refused)
_LANG_TAGS = {"en-us": "en", "en-gb": "en", "zh-cn": "zh", "zh-hans": "zh", "zh-sg": "zh", "zh-hans-cn": "zh"}


def realize(explanation: Explanation, catalog: Catalog, lang: Lang | str = "en", *,
            domain: Domain | str | None = None) -> Reason:
    """Render an explanation as one or two sentences.

    Args:
        explanation: what to render; only its evidence, counterfactual and item are used.
        catalog: titles of the items the evidence and the counterfactual refer to.
        lang: ``"en"`` or ``"zh"`` (Simplified Chinese; titles stay as in the catalog, inside 《》); the tags
            ``en-US``, ``en-GB``, ``zh-CN`` and ``zh-Hans`` are accepted too.
        domain: ``"films"`` ("Because you watched...") or ``"products"`` ("...showed interest in..."), for
            history items whose event kind is unknown; default: inferred from the catalog (see
            :func:`infer_domain`).

    Returns:
        A Reason with ``source=TextSource.TEMPLATE``.

    Raises:
        ConfigError: unknown language or domain.

    Example:
        >>> realize(fargo_for_user_196, dataset.catalog, "en").text  # doctest: +SKIP
        'Because you rated Secrets & Lies (1996) and English Patient, The (1996). Secrets & Lies (1996) is the
        main reason this model ranks it here.'
        >>> realize(fargo_for_user_196, dataset.catalog, "zh").text  # doctest: +SKIP
        '因为你给《Secrets & Lies (1996)》和《English Patient, The (1996)》评过分。《Secrets & Lies (1996)》是这个模型
        把它排在这里的主要原因。'
    """
    language = _enum(Lang, lang, "lang")
    kind = infer_domain(catalog) if domain is None else _enum(Domain, domain, "domain")
    table = TEMPLATES[language]
    sentences = [_why(explanation, catalog, table, kind)]
    claim = _counterfactual(explanation, catalog, table, kind)
    if claim:
        sentences.append(claim)
    return Reason(text=table.sentence_sep.join(sentences), lang=language, source=TextSource.TEMPLATE)


@lru_cache(maxsize=8)
def infer_domain(catalog: Catalog) -> Domain:
    """FILMS when the catalog has a ``year`` attribute or most titles end in ``(YYYY)``, else PRODUCTS."""
    if "year" in catalog.attributes.numeric:
        return Domain.FILMS
    dated = sum(1 for t in catalog.titles if _YEAR_TITLE.search(t))
    return Domain.FILMS if catalog.titles and dated > len(catalog.titles) / 2 else Domain.PRODUCTS


def attribute_counts(evidence: Evidence) -> tuple[int, int] | None:
    """(history items with the value, history size) from an attribute evidence label, when it says so."""
    found = ATTRIBUTE_COUNT.search(evidence.label)
    return (int(found.group(1)), int(found.group(2))) if found else None


def kg_parts(evidence: Evidence) -> tuple[str, str, str, str] | None:
    """(item, relation, entity, history item) of a KG path ref ``item|relation|entity|relation|history item``."""
    parts = evidence.ref.split("|")
    return (parts[0], parts[1], parts[2], parts[4]) if len(parts) == 5 else None


def _enum(cls: type[_E], value: _E | str, name: str) -> _E:
    if cls is Lang and isinstance(value, str):
        value = _LANG_TAGS.get(value.lower().replace("_", "-"), value)
    try:
        return cls(value)
    except ValueError:
        valid = ", ".join(repr(v.value) for v in cls)
        raise ConfigError(f"unknown {name} {value!r} for reasons; expected one of {valid}.", field=name,
                          allowed=tuple(v.value for v in cls)) from None


def _why(e: Explanation, catalog: Catalog, t: Templates, domain: Domain) -> str:
    """The first sentence."""
    support = [x for x in e.evidence if x.weight > 0]
    if not support:
        if e.method == ExplainMethod.POPULARITY or e.model == "pop" or any(
                x.kind == EvidenceKind.POPULARITY for x in e.evidence):
            return t.popularity[domain]
        return t.no_history if not e.evidence and e.method != ExplainMethod.ATTRIBUTE else t.no_support
    lead = support[0].kind
    same = [x for x in support if x.kind == lead]
    if lead == EvidenceKind.HISTORY_ITEM:
        named = same[:_MAX_ITEMS]
        if e.method == ExplainMethod.ATTENTION:
            items = [_quote(t, x.label) for x in named]
            pattern = t.sequence if len(items) > 1 else t.sequence_one
            return pattern[domain].format(items=t.join(items))
        if all(x.event is None for x in named):
            return t.because[domain].format(items=t.join([_quote(t, x.label) for x in named]))
        clauses = _clauses(t, [(x.label, x.event) for x in named], t.event_clause, t.event_clause_unknown[domain],
                           ratings=[x.rating for x in named])
        return t.because_events.format(clauses=clauses)
    return _other(lead, same, catalog, t, domain)


def _counterfactual(e: Explanation, catalog: Catalog, t: Templates, domain: Domain) -> str:
    """The second sentence: only what the counterfactual's verification supports (nothing when unverified)."""
    cf = e.counterfactual
    if cf is None or cf.verified is None or not cf.removed:
        return ""
    if cf.verified == "retrained":
        events = {x.ref: x.event for x in e.evidence if x.kind == EvidenceKind.HISTORY_ITEM}
        removed = [(_title(catalog, item), events.get(item)) for item in cf.removed]
        return t.counterfactual_retrained.format(clauses=_clauses(t, removed, t.had_not_clause,
                                                                  t.had_not_unknown[domain]))
    if set(cf.removed) == set(_named(e)):
        return t.counterfactual_rescored_them if len(cf.removed) > 1 else t.counterfactual_rescored_that
    items = t.join([_quote(t, _title(catalog, item)) for item in cf.removed])
    pattern = t.counterfactual_rescored_many if len(cf.removed) > 1 else t.counterfactual_rescored
    return pattern.format(items=items)


def _named(e: Explanation) -> list[str]:
    """The ids of the history items the first sentence names (none unless it is about history items)."""
    support = [x for x in e.evidence if x.weight > 0]
    if not support or support[0].kind != EvidenceKind.HISTORY_ITEM:
        return []
    return [x.ref for x in support if x.kind == EvidenceKind.HISTORY_ITEM][:_MAX_ITEMS]


def _clauses(t: Templates, named: Sequence[tuple[str, str | None]], by_event: Mapping[str, str], unknown: str,
             ratings: Sequence[float | None] | None = None) -> str:
    """One clause per event kind, in the order first named ("bought A and B and viewed C").

    With `ratings`, rated items say their stars and group by them ("rated A and B 5 stars and C 4 stars").
    """
    groups: dict[str, list[str]] = {}
    for (title, event), rating in zip(named, ratings or [None] * len(named), strict=True):
        pattern = by_event.get(event, unknown) if event is not None else unknown
        if event == "rating" and rating is not None:
            stars = stars_text(rating)
            pattern = (t.rated_star if stars == "1" else t.rated_stars).format(items="{items}", stars=stars)
        groups.setdefault(pattern, []).append(_quote(t, title))
    return t.join([pattern.format(items=t.join(titles)) for pattern, titles in groups.items()], clauses=True)


def stars_text(rating: float) -> str:
    """A rating as the reason writes it: ``5``, ``4.5``."""
    return f"{rating:g}"


def _other(lead: EvidenceKind, same: list[Evidence], catalog: Catalog, t: Templates, domain: Domain) -> str:
    if lead == EvidenceKind.ATTRIBUTE:
        return _attributes(same, t, domain)
    if lead == EvidenceKind.KG_PATH:
        return _kg(same, catalog, t)
    if lead == EvidenceKind.SEQUENCE_POSITION:
        items = [_quote(t, x.label) for x in same[:_MAX_ITEMS]]
        pattern = t.sequence if len(items) > 1 else t.sequence_one
        return pattern[domain].format(items=t.join(items))
    if lead == EvidenceKind.TEXT_SIMILARITY:
        return t.text_similarity.format(items=t.join([_quote(t, x.label) for x in same[:_MAX_ITEMS]]))
    if lead == EvidenceKind.USER_ATTRIBUTE:
        return t.user_attribute.format(labels=t.list_sep.join(x.label for x in same[:_MAX_ATTRIBUTES]))
    if lead == EvidenceKind.POPULARITY:
        return t.popularity[domain]
    return t.feature.format(labels=t.join([x.label for x in same[:_MAX_ATTRIBUTES]]))


def _attributes(evidence: Sequence[Evidence], t: Templates, domain: Domain) -> str:
    shown: list[tuple[str, tuple[int, int] | None]] = []
    for x in evidence:
        attribute, _, value = x.ref.partition("=")
        if value in _SKIPPED_VALUES:
            continue
        shown.append((_value(t, attribute, value, domain), attribute_counts(x)))
        if len(shown) == _MAX_ATTRIBUTES:
            break
    if not shown:
        return t.no_support
    counted = [(value, counts) for value, counts in shown if counts is not None]
    if len(counted) == len(shown) and len({total for _, (_, total) in counted}) == 1:
        (value, (count, total)), rest = counted[0], counted[1:]
        measure = t.measure[domain]
        first = t.attribute_part_first_one if count == 1 else t.attribute_part_first
        parts = [first.format(count=count, total=total, noun=t.noun[domain], measure=measure, value=value)]
        parts += [(t.attribute_part_more_one if n == 1 else t.attribute_part_more).format(
            count=n, measure=measure, value=v) for v, (n, _) in rest]
        return t.attribute_counted[domain].format(parts=t.join(parts, clauses=True))
    return t.attribute_plain.format(values=t.join([value for value, _ in shown]))


def _value(t: Templates, attribute: str, value: str, domain: Domain) -> str:
    if attribute == "category":
        return t.values.get(value) or t.untranslated_value.format(value=value)
    shown = t.values.get(value, value)
    name = t.attributes.get(attribute, attribute.replace("_", " "))
    return t.attribute_named_value.format(attribute=name, value=shown, noun_short=t.noun_short[domain])


def _kg(evidence: Sequence[Evidence], catalog: Catalog, t: Templates) -> str:
    relations: dict[str, list[str]] = {}
    for x in evidence:
        parts = kg_parts(x)
        if parts is None:
            continue
        _, relation, _, history_item = parts
        if history_item not in relations and len(relations) == _MAX_LINKS:
            continue
        names = relations.setdefault(history_item, [])
        shown = t.relations.get(relation, relation)
        if shown not in names and len(names) < _MAX_LINKS:
            names.append(shown)
    if not relations:
        return t.no_support
    # history items that share the same relations are named together ("the same actor as A and B")
    grouped: dict[tuple[str, ...], list[str]] = {}
    for item, names in relations.items():
        grouped.setdefault(tuple(names), []).append(_quote(t, _title(catalog, item)))
    links = [t.kg_link.format(relations=t.kg_relations_sep.join(names), item=t.join(items))
             for names, items in grouped.items()]
    return t.kg.format(links=t.kg_link_sep.join(links))


def _quote(t: Templates, title: str) -> str:
    return t.title.format(title=title)


def _title(catalog: Catalog, item_id: str) -> str:
    if item_id in catalog.items:
        return catalog.label(catalog.items.index_of(item_id))
    return item_id
