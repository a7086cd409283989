"""The prompt: the explanation's evidence and the recommended item's catalog facts, nothing else.

Roles are spelled out (RECOMMENDED ITEM against ITEMS THE USER INTERACTED WITH) because small models swap
them; the one example uses made-up titles, so a model that copies it is caught by the guard.
"""

from __future__ import annotations

from dataclasses import dataclass

from whyrec.data.catalog import Catalog
from whyrec.explain.explanation import EvidenceKind, Explanation, Lang
from whyrec.explain.text.mentions import display_title
from whyrec.llm.chat import ChatMessage

__all__ = ["PromptFacts", "build_messages", "prompt_facts"]

_MAX_HISTORY = 3


@dataclass(frozen=True)
class PromptFacts:
    """What the prompt is allowed to tell the model.

    Attributes:
        recommended: the recommended item's display title.
        attributes: its categorical attribute values (genres, brand...).
        history: display titles of the history items behind the score, strongest first.
        other: labels of the other positive evidence (shared attributes, paths, popularity).
    """

    recommended: str
    attributes: tuple[str, ...]
    history: tuple[str, ...]
    other: tuple[str, ...]


def prompt_facts(explanation: Explanation, catalog: Catalog, *, max_history: int = _MAX_HISTORY) -> PromptFacts:
    """Collect the facts the prompt may use (positive evidence only; the strongest `max_history` items)."""
    index = catalog.items.index_of(explanation.item_id)
    values = [v for vals in catalog.attributes.of(index).values() for v in vals if v.casefold() != "unknown"]
    history: list[str] = []
    other: list[str] = []
    for e in sorted(explanation.evidence, key=lambda e: -e.weight):
        if e.weight <= 0:
            continue
        if e.kind is EvidenceKind.HISTORY_ITEM:
            if len(history) < max_history:
                history.append(display_title(e.label))
        elif len(other) < 2:
            other.append(e.label)
    return PromptFacts(display_title(catalog.label(index)), tuple(dict.fromkeys(values)), tuple(history), tuple(other))


_SYSTEM = {
    Lang.EN: ("You write one short sentence (at most 30 words) that tells a user why a {noun} is recommended to them. "
              "Use only the facts given. Never add titles, genres, brands, people, years or numbers that are not "
              "given. The RECOMMENDED ITEM is new to the user; the ITEMS THE USER INTERACTED WITH are ones they "
              "already know. Put titles in double quotes."),
    Lang.ZH: ("你用一句简短的中文（不超过60个字）告诉用户为什么向他推荐这个{noun}。只使用给出的事实，"
              "不要添加没有给出的片名、类型、品牌、人物、年份或数字。推荐的物品是用户没有看过的；"
              "用户互动过的物品是他已经知道的。片名保持原文，放在《》中。"),
}

_EXAMPLE = {
    Lang.EN: ('RECOMMENDED ITEM: "Blue River" (Drama)\nITEMS THE USER INTERACTED WITH: "Green Hills", "Red Sky"\n',
              'We recommend "Blue River" because you {verb} "Green Hills" and "Red Sky".'),
    Lang.ZH: ("推荐的物品：《Blue River》（Drama）\n用户互动过的物品：《Green Hills》、《Red Sky》\n",
              "因为你{verb}《Green Hills》和《Red Sky》，所以向你推荐《Blue River》。"),
}

_NOUN_ZH = {"movie": "电影", "film": "电影", "product": "商品", "item": "物品"}


def _facts_text(facts: PromptFacts, lang: Lang) -> str:
    if lang is Lang.ZH:
        attributes = f"（{', '.join(facts.attributes)}）" if facts.attributes else ""
        lines = [f"推荐的物品：《{facts.recommended}》{attributes}"]
        if facts.history:
            lines.append("用户互动过的物品：" + "、".join(f"《{t}》" for t in facts.history))
        if facts.other:
            lines.append("其他依据：" + "；".join(facts.other))
        return "\n".join(lines) + "\n"
    described = f" ({', '.join(facts.attributes)})" if facts.attributes else ""
    lines = [f'RECOMMENDED ITEM: "{facts.recommended}"{described}']
    if facts.history:
        lines.append("ITEMS THE USER INTERACTED WITH: " + ", ".join(f'"{t}"' for t in facts.history))
    if facts.other:
        lines.append("OTHER EVIDENCE: " + "; ".join(facts.other))
    return "\n".join(lines) + "\n"


def build_messages(explanation: Explanation, catalog: Catalog, lang: Lang, *, noun: str = "item") -> list[ChatMessage]:
    """The chat asking for one personalised reason in `lang`.

    Args:
        explanation: supplies the evidence.
        catalog: supplies the recommended item's title and attributes.
        lang: the language of the answer.
        noun: what the catalog holds ("movie", "product"...), used in the instructions.
    """
    facts = prompt_facts(explanation, catalog)
    example_facts, example_answer = _EXAMPLE[lang]
    # a 135M model keeps the roles straight far more often when the sentence's opening is given
    if lang is Lang.ZH:
        verb = "看过" if noun in ("movie", "film") else "关注过"  # products are looked at, not watched
        example_answer = example_answer.format(verb=verb)
        opening = f"因为你{verb}" if facts.history else f"向你推荐《{facts.recommended}》，因为"
        ask = f"用一句中文说明为什么推荐《{facts.recommended}》，以“{opening}”开头，最多提两个用户互动过的物品。"
        system = _SYSTEM[lang].format(noun=_NOUN_ZH.get(noun, noun))
    else:
        verb = "watched" if noun in ("movie", "film") else "looked at"
        example_answer = example_answer.format(verb=verb)
        opening = f'We recommend "{facts.recommended}" because you {verb}'
        ask = ("Name at most two of the ITEMS THE USER INTERACTED WITH. " if facts.history else "") + (
            f"Write one sentence to the user that starts with: {opening}" if facts.history else
            f'Write one sentence to the user that starts with: We recommend "{facts.recommended}" because')
        system = _SYSTEM[lang].format(noun=noun)
    return [
        ChatMessage(role="system", content=system),
        ChatMessage(role="user", content=example_facts),
        ChatMessage(role="assistant", content=example_answer),
        ChatMessage(role="user", content=_facts_text(facts, lang) + "\n" + ask),
    ]
