"""Grounded generation: the model writes the connecting words, whyrec writes every catalog fact.

The prompt lists the evidence as typed slots (``[REC]`` the recommended item, ``[H1]``... the history items
behind the score, strongest first, ``[REC.category]``... attribute values bound to their item, ``[CF]`` the
verified counterfactual set, ``[N]`` how many history items are evidence). The model answers with a sentence
that uses the markers; :func:`fill` checks the answer (only known markers, each once, no title, quote or digit
typed by the model, not an echo of the prompt) and puts the real titles and values in. The filled sentence
still goes through the guard, for the claims only the model's words can make. Servers that honour OpenAI's
``response_format`` get :data:`SLOT_SCHEMA`; for the others the plain text is parsed the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from whyrec.data.catalog import Catalog
from whyrec.explain.explanation import EvidenceKind, Explanation, Lang
from whyrec.explain.text import zh
from whyrec.explain.text.mentions import display_title
from whyrec.explain.text.verbs import DOMAIN_VERBS, action_of_event
from whyrec.llm.chat import ChatMessage

__all__ = ["SLOT_SCHEMA", "Filled", "Slot", "evidence_slots", "fill", "slot_messages"]

#: OpenAI ``response_format`` asking for ``{"sentence": "..."}``.
SLOT_SCHEMA: dict[str, object] = {
    "type": "json_schema",
    "json_schema": {"name": "reason", "strict": True, "schema": {
        "type": "object", "properties": {"sentence": {"type": "string", "maxLength": 300}},
        "required": ["sentence"], "additionalProperties": False}},
}
_MARKER = re.compile(r"\[([A-Z][A-Z0-9]*(?:\.[a-z_]+)?)\]")
#: What follows a count slot: a word ("[N] items", "[N] of your") or a Chinese counter or noun ("[N]部", "[N]件").
_COUNTED = re.compile(r"\s*(?:[A-Za-z]|[部件个款样项本首种位次张套台份])")
_TYPED_FACT = re.compile(r"[\"“”《》「」\d]")
_SPOKEN = ("category", "brand", "platform")
_ECHO_WINDOW = 12
#: verbs by domain (English, Chinese): what the user did with the history items (the one table's generic verbs)
VERBS = DOMAIN_VERBS


@dataclass(frozen=True)
class Slot:
    """One fact the model may refer to.

    Attributes:
        marker: what the model writes, without brackets (``REC``, ``H1``, ``REC.category``, ``CF``, ``N``).
        value: what whyrec writes in its place.
        described: what the slot is, for the prompt (in its language; a history slot names its event's verb).
    """

    marker: str
    value: str
    described: str


@dataclass(frozen=True)
class Filled:
    """The outcome of filling an answer.

    Attributes:
        text: the sentence with every marker replaced (None when the answer was refused).
        refused: why the answer was refused ("" when it was filled).
        used: the markers it used, in order.
    """

    text: str | None
    refused: str = ""
    used: tuple[str, ...] = ()


def evidence_slots(explanation: Explanation, catalog: Catalog, lang: Lang, *, max_history: int = 2) -> list[Slot]:
    """The slots of one explanation: the item, its strongest supporting history items, their attributes, the CF."""
    def quote(title: str) -> str:
        return f"《{title}》" if lang is Lang.ZH else f'"{title}"'

    index = catalog.items.index_of
    rec = index(explanation.item_id)
    slots = [Slot("REC", quote(display_title(catalog.label(rec))), "the recommended item (new to the user)")]
    slots += _attribute_slots("REC", rec, catalog, lang)
    support = sorted((e for e in explanation.evidence if e.kind is EvidenceKind.HISTORY_ITEM and e.weight > 0
                      and e.ref in catalog.items), key=lambda e: -e.weight)[:max_history]
    for n, e in enumerate(support, start=1):
        slots.append(Slot(f"H{n}", quote(display_title(e.label)), _history_described(e.event, lang, strongest=n == 1)))
        slots += _attribute_slots(f"H{n}", index(e.ref), catalog, lang)
    slots.append(Slot("RANK", str(explanation.rank), "the recommended item's verified rank in the list"))
    items = [e for e in explanation.evidence if e.kind is EvidenceKind.HISTORY_ITEM]
    if len(items) >= 2:
        slots.append(Slot("N", str(len(items)), "how many of the user's items are evidence"))
    cf = explanation.counterfactual
    if cf is not None and cf.verified and cf.removed:
        names = [quote(display_title(catalog.label(index(i)))) for i in cf.removed if i in catalog.items]
        joined = ("、".join(names[:-1]) + "和" + names[-1]) if lang is Lang.ZH and len(names) > 1 else (
            ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0])
        slots.append(Slot("CF", joined, "without these items in the history it would not be recommended"))
    return slots


def _history_described(event: str | None, lang: Lang, *, strongest: bool) -> str:
    """What a history slot is, with the verb of its recorded action ("an item the user bought"), so the model has
    the right verb to write; the generic "interacted with" when the event is a view or unknown."""
    action = action_of_event(event)
    if lang is Lang.ZH:
        return f"用户{action.said_zh if action else '互动过'}的物品" + ("（最主要的原因）" if strongest else "")
    return f"an item the user {action.said_en if action else 'interacted with'}" + (
        " (the strongest reason)" if strongest else "")


def _attribute_slots(owner: str, item: int, catalog: Catalog, lang: Lang) -> list[Slot]:
    out = []
    for name in _SPOKEN:
        values = catalog.attributes.categorical.get(name, ((),) * (item + 1))[item]
        if values and values[0].casefold() != "unknown":
            shown = zh.TEMPLATES.values.get(values[0], values[0]) if lang is Lang.ZH else values[0]
            out.append(Slot(f"{owner}.{name}", shown, f"the {name} of [{owner}]"))
    return out


_SYSTEM = {
    Lang.EN: ("You explain a recommendation in one short sentence. Refer to every fact only with the slot markers "
              "given, like [REC] or [H1]; never write a title, name, number or quote yourself, and add no claims "
              "about time, prices, popularity or certainty. Use [H1] if it is given. Answer with the sentence only."),
    Lang.ZH: ("你用一句简短的中文说明推荐理由。所有事实只能用给出的槽位标记表示，例如[REC]或[H1]；不要自己写片名、"
              "商品名、人名、数字或引号，也不要说时间、价格、热度或保证。如果给出了[H1]，一定要用它。只回答这一句话。"),
}
_SHOTS = {
    Lang.EN: [(("[REC] the recommended item\n[REC.category] Drama\n[H1] an item the user interacted with "
                "(the strongest reason)\n[H2] an item the user interacted with"),
               "We recommend [REC], a [REC.category] pick, because you {verb} [H1] and [H2]."),
              (("[REC] the recommended item\n[H1] an item the user interacted with (the strongest reason)\n"
                "[CF] without these items it would not be recommended"),
               "Since you {verb} [H1], you may like [REC]; without [CF] we would not suggest it.")],
    Lang.ZH: [("[REC] 推荐的物品\n[REC.category] 剧情\n[H1] 用户互动过的物品（最主要的原因）\n[H2] 用户互动过的物品",
               "因为你{verb}[H1]和[H2]，所以向你推荐这款[REC.category]作品[REC]。"),
              ("[REC] 推荐的物品\n[H1] 用户互动过的物品（最主要的原因）\n[CF] 没有这些物品就不会推荐",
               "你{verb}[H1]，不妨试试[REC]；如果没有[CF]，就不会推荐它。")],
}


def slot_messages(slots: list[Slot], lang: Lang, *, verb: str) -> list[ChatMessage]:
    """The chat: instructions, two worked examples, then this explanation's slots (markers and what they are).

    The model sees what each slot is, never a title, so it has nothing to copy into the sentence; the
    examples use the verb of the catalog's domain ("看过" for films, "关注过" for products), not a fixed opening.
    """
    messages = [ChatMessage(role="system", content=_SYSTEM[lang])]
    for facts, answer in _SHOTS[lang]:
        messages += [ChatMessage(role="user", content=facts),
                     ChatMessage(role="assistant", content=answer.format(verb=verb))]
    described = "\n".join(f"[{s.marker}] {_described(s, lang)}" for s in slots)
    return [*messages, ChatMessage(role="user", content=described)]


def _described(slot: Slot, lang: Lang) -> str:
    if "." in slot.marker:  # an attribute is a word the reader may see: give it (the model still writes the marker)
        return slot.value
    if lang is Lang.EN:
        return slot.described
    named = {"REC": "推荐的物品", "N": "作为依据的物品数", "CF": "没有这些物品就不会推荐", "RANK": "推荐列表中的名次"}
    return named.get(slot.marker, slot.described)


def fill(answer: str, slots: list[Slot], instructions: str) -> Filled:
    """Check the model's answer and put the slot values in.

    Args:
        answer: the model's text (``{"sentence": ...}`` or the sentence itself).
        slots: the slots the prompt gave.
        instructions: the prompt's text, to catch an answer that copies it.
    """
    sentence = _sentence(answer)
    values = {s.marker: s.value for s in slots}
    used = tuple(m.group(1) for m in _MARKER.finditer(sentence))
    if not used:
        return Filled(None, "no slot marker: the answer states no fact from the evidence")
    if unknown := [m for m in used if m not in values]:
        return Filled(None, f"unknown slot {unknown[0]!r}; expected one of {', '.join(values)}", used)
    if len(set(used)) < len(used):
        return Filled(None, "a slot used twice (a repeated title)", used)
    for m in _MARKER.finditer(sentence):
        value = values[m.group(1)].casefold()
        after, before = sentence[m.end():].lstrip().casefold(), sentence[:m.start()].rstrip().casefold()
        if value and (after.startswith(value) or before.endswith(value)):
            return Filled(None, f"the value of [{m.group(1)}] typed beside its slot ({values[m.group(1)]!r} twice)",
                          used)
        if m.group(1) == "N" and not _COUNTED.match(sentence, m.end()):
            return Filled(None, "a count slot [N] that counts nothing (expected a noun or counter word after it)",
                          used)
    words = _MARKER.sub(" ", sentence)
    if typed := _TYPED_FACT.search(words):
        return Filled(None, f"the model typed {typed.group(0)!r} itself; facts come only from slots", used)
    if _echoes(words, instructions):
        return Filled(None, "an echo of the prompt", used)
    return Filled(_MARKER.sub(lambda m: values[m.group(1)], sentence).strip(), "", used)


def _sentence(answer: str) -> str:
    text = answer.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return ""
        return str(parsed.get("sentence", "")) if isinstance(parsed, dict) else ""
    return text.splitlines()[0] if text else ""


def _echoes(words: str, instructions: str) -> bool:
    """Whether the answer's own words repeat a 12-character piece of the instructions (linear in both)."""
    plain = re.sub(r"\s+", " ", words).strip()
    pieces = {instructions[i:i + _ECHO_WINDOW] for i in range(max(0, len(instructions) - _ECHO_WINDOW + 1))}
    return any(plain[i:i + _ECHO_WINDOW] in pieces for i in range(max(0, len(plain) - _ECHO_WINDOW + 1)))
