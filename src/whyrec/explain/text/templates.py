"""The shape of one language's templates: a table of format strings, filled only with evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Domain", "Templates"]


class Domain(StrEnum):
    """What the catalog holds, which picks the verbs and nouns ("watched films" or "viewed items")."""

    FILMS = "films"
    PRODUCTS = "products"


@dataclass(frozen=True)
class Templates:
    """Phrase templates of one language.

    Fields that are mappings are keyed by :class:`Domain` value. Placeholders (``{items}``, ``{count}``...) are
    filled by the realizer from the evidence and the catalog; a template adds words, never entities.

    Attributes:
        title: how a title is quoted (``{title}``; ``《{title}》`` in Chinese).
        and_: the word before the last element of a list.
        list_sep: separator between the other elements.
        clause_and: like ``and_``, between clauses ("20 are Drama and 12 are Sci-Fi").
        clause_sep: like ``list_sep``, between clauses.
        sentence_sep: between two sentences.
        because: history items behind the score, when their events are unknown.
        because_events: history items behind the score, one clause per event kind (``{clauses}``).
        event_clause: by event kind (``purchase``, ``cart``, ``rating``, ``click``, ``view``): the clause that
            names what was done with ``{items}``, in the past tense ("bought {items}").
        event_clause_unknown: the same for an unknown event kind, by domain.
        rated_stars: the ``rating`` clause when the ratings are known (``{items}``, ``{stars}``).
        rated_star: the same when the rating is 1.
        had_not_clause: by event kind: the clause after "if you had not" ("bought {items}").
        had_not_unknown: the same for an unknown event kind, by domain.
        sequence: history items weighted by a sequence model's attention (several items).
        sequence_one: the same with one item.
        attribute_counted: by domain: attribute values the recommended item shares, with counts of history
            items (``{parts}``).
        attribute_part_first: the first value with its count and the history size.
        attribute_part_more: each further value with its count.
        attribute_part_first_one: the first value when its count is 1 ("1 of your 12 items is ...").
        attribute_part_more_one: a further value when its count is 1.
        attribute_plain: attribute values the recommended item shares, without counts.
        attribute_named_value: a value of an attribute other than ``category`` (``brand Acme``).
        untranslated_value: a ``category`` value without a display name in ``values`` (quoted in Chinese).
        noun: what the history holds ("films", "部影片").
        measure: the counter word for a count (Chinese: 部, 件; empty in English).
        noun_short: the noun without a counter word.
        kg: knowledge-graph links (``{links}``).
        kg_link: one link: shared relations with one history item.
        kg_link_sep: between two links.
        kg_relations_sep: between two relations of the same link.
        user_attribute: the user's own attributes behind the score.
        feature: model features behind the score.
        text_similarity: items whose text is close to the recommended item's.
        popularity: a recommendation from popularity.
        no_history: nothing in the evidence, no history to go on.
        no_support: evidence exists but none of it speaks for the item.
        counterfactual_retrained: a counterfactual verified by refitting the model without the interactions
            (``{clauses}``: ``had_not_clause`` of each removed item's event kind).
        counterfactual_rescored: one removed item (``{items}``) whose removal, re-scored with the same weights,
            takes the item out of the list: a claim about this model only.
        counterfactual_rescored_many: the same for several removed items.
        counterfactual_rescored_them: the same when the removed items are exactly those the first sentence named.
        counterfactual_rescored_that: the same for one named item.
        relations: display names of knowledge-graph relations (missing: the relation's own name).
        values: display names of attribute values (missing: the value as in the catalog).
        attributes: display names of attributes (missing: the name with spaces for underscores).
    """

    title: str
    and_: str
    list_sep: str
    clause_and: str
    clause_sep: str
    sentence_sep: str
    because: Mapping[str, str]
    because_events: str
    event_clause: Mapping[str, str]
    event_clause_unknown: Mapping[str, str]
    rated_stars: str
    rated_star: str
    had_not_clause: Mapping[str, str]
    had_not_unknown: Mapping[str, str]
    sequence: Mapping[str, str]
    sequence_one: Mapping[str, str]
    attribute_counted: Mapping[str, str]
    attribute_part_first: str
    attribute_part_more: str
    attribute_part_first_one: str
    attribute_part_more_one: str
    attribute_plain: str
    attribute_named_value: str
    untranslated_value: str
    noun: Mapping[str, str]
    measure: Mapping[str, str]
    noun_short: Mapping[str, str]
    kg: str
    kg_link: str
    kg_link_sep: str
    kg_relations_sep: str
    user_attribute: str
    feature: str
    text_similarity: str
    popularity: Mapping[str, str]
    no_history: str
    no_support: str
    counterfactual_retrained: str
    counterfactual_rescored: str
    counterfactual_rescored_many: str
    counterfactual_rescored_them: str
    counterfactual_rescored_that: str
    relations: Mapping[str, str]
    values: Mapping[str, str]
    attributes: Mapping[str, str]

    def join(self, parts: list[str], *, clauses: bool = False) -> str:
        """``A``, ``A and B``, ``A, B and C`` (``A、B和C`` in Chinese); clauses use the clause separators."""
        sep, last = (self.clause_sep, self.clause_and) if clauses else (self.list_sep, self.and_)
        if len(parts) <= 1:
            return "".join(parts)
        return f"{sep.join(parts[:-1])}{last}{parts[-1]}"
