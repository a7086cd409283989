"""English templates. Placeholders are filled by :mod:`whyrec.explain.text.realize`; nothing else goes in."""

from __future__ import annotations

from whyrec.explain.text.templates import Templates

__all__ = ["TEMPLATES"]

TEMPLATES = Templates(
    title="{title}",
    and_=" and ",
    list_sep=", ",
    clause_and=" and ",
    clause_sep=", ",
    sentence_sep=" ",
    because={"films": "Because you watched {items}.", "products": "Because you showed interest in {items}."},
    sequence={"films": "Among the films you watched, {items} weigh most in your sequence.",
              "products": "Among the items you viewed, {items} weigh most in your sequence."},
    sequence_one={"films": "Among the films you watched, {items} weighs most in your sequence.",
                  "products": "Among the items you viewed, {items} weighs most in your sequence."},
    attribute_counted="It matches what you pick: {parts}.",
    attribute_part_first="{count} of your {total} {noun} are {value}",
    attribute_part_more="{count} are {value}",
    attribute_part_first_one="{count} of your {total} {noun} is {value}",
    attribute_part_more_one="{count} is {value}",
    attribute_plain="It matches what you pick: {values}.",
    attribute_named_value="{attribute} {value}",
    untranslated_value="{value}",
    noun={"films": "films", "products": "items"},
    measure={"films": "", "products": ""},
    noun_short={"films": "films", "products": "items"},
    kg="It has {links}.",
    kg_link="the same {relations} as {item}",
    kg_link_sep=" and ",
    kg_relations_sep=" and ",
    user_attribute="People with your profile ({labels}) chose it.",
    feature="What weighs most: {labels}.",
    text_similarity="Its description is close to {items}.",
    popularity={"films": "It is popular with other viewers.", "products": "It is popular with other shoppers."},
    no_history="There is not enough of your history yet to say why.",
    no_support="Nothing single in your history stands out behind it.",
    counterfactual="Without {items} in your history, it would not be recommended.",
    counterfactual_them="Without them, it would not be recommended.",
    counterfactual_that="Without that one, it would not be recommended.",
    relations={},
    values={},
    attributes={},
)
