"""What one explanation lets a text say, item by item: the facts the guard checks claims against."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from whyrec.explain.explanation import EvidenceKind, ExplainMethod, Explanation
from whyrec.explain.text.mentions import CatalogIndex
from whyrec.explain.text.realize import ATTRIBUTE_COUNT, kg_parts

__all__ = ["ITEM_KINDS", "Facts", "facts_of"]

#: Evidence kinds that point at a history item.
ITEM_KINDS = (EvidenceKind.HISTORY_ITEM, EvidenceKind.SEQUENCE_POSITION, EvidenceKind.TEXT_SIMILARITY)
_VALUE_KINDS = (EvidenceKind.ATTRIBUTE, EvidenceKind.KG_PATH, EvidenceKind.USER_ATTRIBUTE)
_YEAR_IN_TITLE = re.compile(r"\((\d{4})\)")
_PERSON_RELATIONS = frozenset({"actor", "director", "writer", "producer", "cinematographer", "starring"})


@dataclass(frozen=True)
class Facts:
    """The facts of one explanation, bound to the items they belong to.

    Attributes:
        recommended: the recommended item's index.
        supporting: history items with positive weight, strongest first.
        opposing: history items with negative weight.
        strongest: the history item with the largest positive weight, when an item leads the evidence.
        values: item index -> its attribute values (casefolded).
        evidence_values: values named by attribute, KG or user-attribute evidence (casefolded).
        counts: numbers a count may take.
        ranks: numbers a rank may take.
        percents: numbers a share in percent may take.
        prices: item index -> its price, where the catalog has one.
        ratings: history item index -> the user's rating of it, where the evidence carries one.
        events: history item index -> the kind of its strongest event, where the evidence carries one.
        years: years of the facts (the year attribute, or the year in a title).
        removed: the counterfactual's removed items, when it was verified.
        labels: the evidence labels (names in them, e.g. a KG actor, may be repeated).
        popularity: whether popularity or the user's profile is evidence (social proof may be claimed).
        people: whether KG evidence names people (then "directed by" may be said).
    """

    recommended: int
    supporting: tuple[int, ...]
    opposing: frozenset[int]
    strongest: int | None
    values: dict[int, frozenset[str]]
    evidence_values: frozenset[str]
    counts: frozenset[float]
    ranks: frozenset[float]
    percents: frozenset[float]
    prices: dict[int, float]
    ratings: dict[int, float]
    events: dict[int, str]
    years: frozenset[float]
    removed: frozenset[int] | None
    labels: tuple[str, ...]
    popularity: bool
    people: bool

    @property
    def history(self) -> frozenset[int]:
        """Every history item of the evidence."""
        return frozenset(self.supporting) | self.opposing

    @property
    def items(self) -> frozenset[int]:
        """The recommended item and the history items."""
        return self.history | {self.recommended}


def facts_of(explanation: Explanation, catalog_index: CatalogIndex) -> Facts:
    """Collect the facts of `explanation` (the counterfactual counts only when verified)."""
    catalog = catalog_index.catalog
    known = catalog_index.position
    index = known.__getitem__
    recommended = index(explanation.item_id)
    item_evidence = [e for e in explanation.evidence if e.kind in ITEM_KINDS and e.ref in known]
    supporting = tuple(index(e.ref) for e in sorted(item_evidence, key=lambda e: -e.weight) if e.weight > 0)
    linked = [parts[3] for e in explanation.evidence if (parts := kg_parts(e)) is not None and parts[3] in known]
    supporting += tuple(dict.fromkeys(index(i) for i in linked if index(i) not in supporting))
    opposing = frozenset(index(e.ref) for e in item_evidence if e.weight <= 0) - set(supporting)
    positive = [e for e in explanation.evidence if e.weight > 0]
    lead = max(positive, key=lambda e: e.weight, default=None)
    strongest = index(lead.ref) if lead is not None and lead.kind in ITEM_KINDS and lead.ref in known else None
    cf = explanation.counterfactual
    removed = frozenset(index(i) for i in cf.removed if i in known) if cf is not None and cf.verified else None
    items = {recommended, *supporting, *opposing} | (removed or set())
    columns = list(catalog.attributes.categorical.values())
    values = {i: frozenset(v.casefold() for column in columns for v in column[i]) for i in items}
    evidence_values: set[str] = set()
    counts = {float(len(item_evidence)), float(len(supporting)), float(min(3, len(supporting))),
              float(len(explanation.evidence))}
    people = False
    for e in explanation.evidence:
        if e.kind in _VALUE_KINDS:
            evidence_values |= {p.strip().casefold() for p in re.split(r"[=:,;>→|()]", f"{e.ref}:{e.label}")}
        if (parts := kg_parts(e)) is not None:
            people |= parts[1] in _PERSON_RELATIONS
        if match := ATTRIBUTE_COUNT.search(e.label):
            counts |= {float(match.group(1)), float(match.group(2))}
    ranks = {float(explanation.rank)}
    if cf is not None and cf.verified:
        counts.add(float(len(cf.removed)))
        if cf.new_rank is not None:
            ranks.add(float(cf.new_rank))
    percents = {float(f(100 * e.share)) for e in explanation.evidence for f in (math.floor, math.ceil, round)}
    prices = {}
    if "price" in catalog.attributes.numeric:
        prices = {i: float(p) for i in items if not math.isnan(p := float(catalog.attributes.numeric["price"][i]))}
    years = {float(y) for i in items for y in _YEAR_IN_TITLE.findall(catalog.label(i))}
    if "year" in catalog.attributes.numeric:
        years |= {float(y) for i in items if not math.isnan(y := float(catalog.attributes.numeric["year"][i]))}
    return Facts(
        recommended=recommended, supporting=supporting, opposing=opposing, strongest=strongest, values=values,
        evidence_values=frozenset(evidence_values - {""}), counts=frozenset(counts), ranks=frozenset(ranks),
        percents=frozenset(percents), prices=prices,
        ratings={index(e.ref): e.rating for e in item_evidence if e.rating is not None},
        events={index(e.ref): e.event for e in item_evidence if e.event is not None},
        years=frozenset(years), removed=removed,
        labels=tuple(e.label for e in explanation.evidence),
        popularity=any(e.kind in (EvidenceKind.POPULARITY, EvidenceKind.USER_ATTRIBUTE) for e in explanation.evidence)
        or explanation.model == "pop" or explanation.method == ExplainMethod.POPULARITY,
        people=people)
