"""Labelled cases about what the user did: the right event verb, another event's verb, an unrecorded action.

Two phrasings (``held_out=False`` for :mod:`.cases`, ``True`` for :mod:`.held_out`), written before the guard
checked actions:

- ``faithful_action``: the strongest history item with the verb of its own event ("bought" for a purchase,
  "added to your cart", "rated X 4 stars", "viewed");
- ``wrong_action``: the same item given the verb of another event kind ("bought" for a view or a rating,
  "rated" for a purchase);
- ``unrecorded_action``: an action no event records: the explanation of a new shopper (no event kinds)
  told "you bought X", or an action the data has no event for (shared, saved, searched for, subscribed,
  followed, liked).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from whyrec.explain.explanation import Explanation, Lang
from whyrec.explain.text.realize import stars_text

if TYPE_CHECKING:
    from whyrec.llm.labelled.cases import Facts

__all__ = ["action_cases"]

Phrase = Callable[[str], str]  # a title -> the clause that says what the user did with it

# by event kind: (the verb of that event, the verb of another one)
_EN: dict[str, tuple[Phrase, Phrase]] = {
    "purchase": (lambda t: f"bought {t}", lambda t: f"rated {t}"),
    "cart": (lambda t: f"added {t} to your cart", lambda t: f"bought {t}"),
    "view": (lambda t: f"viewed {t}", lambda t: f"added {t} to your cart"),
}
_ZH: dict[str, tuple[Phrase, Phrase]] = {
    "purchase": (lambda t: f"购买过{t}", lambda t: f"给{t}评过分"),
    "cart": (lambda t: f"把{t}加入过购物车", lambda t: f"购买过{t}"),
    "view": (lambda t: f"浏览过{t}", lambda t: f"把{t}加入过购物车"),
}
_EN_HELD: dict[str, tuple[Phrase, Phrase]] = {
    "purchase": (lambda t: f"Your purchase of {t} points to", lambda t: f"You clicked {t}, which points to"),
    "cart": (lambda t: f"{t} is in your cart, which points to", lambda t: f"Your purchase of {t} points to"),
    "view": (lambda t: f"You viewed {t}, which points to", lambda t: f"Your purchase of {t} points to"),
}
_ZH_HELD: dict[str, tuple[Phrase, Phrase]] = {
    "purchase": (lambda t: f"你买过{t}", lambda t: f"你点击过{t}"),
    "cart": (lambda t: f"{t}在你的购物车里", lambda t: f"你买过{t}"),
    "view": (lambda t: f"你浏览过{t}", lambda t: f"你买过{t}"),
}
# actions no event of the three catalogs records (each case takes the next one)
_UNRECORDED_EN = (lambda t: f"shared {t}", lambda t: f"saved {t} to your wishlist", lambda t: f"searched for {t}",
                  lambda t: f"subscribed to {t}", lambda t: f"followed {t}")
_UNRECORDED_ZH = (lambda t: f"分享过{t}", lambda t: f"收藏了{t}", lambda t: f"搜索过{t}", lambda t: f"订阅了{t}",
                  lambda t: f"给{t}点过赞")
_UNRECORDED_EN_HELD = (lambda t: f"You bookmarked {t}, which points to", lambda t: f"{t} is on your wishlist, which points to",
                       lambda t: f"You subscribed to {t}, which points to", lambda t: f"You followed {t}, which points to",
                       lambda t: f"You shared {t}, which points to")
_UNRECORDED_ZH_HELD = (lambda t: f"你收藏过{t}", lambda t: f"你订阅过{t}", lambda t: f"你搜过{t}", lambda t: f"你分享过{t}",
                       lambda t: f"你给{t}点过赞")


def action_cases(f: Facts, lang: Lang, *, held_out: bool = False) -> list[tuple[str, str, Explanation]]:
    """(category, text, explanation) of the action categories for one explanation's facts.

    Args:
        f: the facts (h1's event kind and rating, the explanation without events).
        lang: the language.
        held_out: the second phrasing.
    """
    if f.h1_event is None or f.bare is None:
        return []
    n = sum(map(ord, f.h1 + f.rec))  # varies the unrecorded action from case to case, the same on every run
    en = lang is Lang.EN
    q: Phrase = (lambda t: f'"{t}"') if en else (lambda t: f"《{t}》")
    h1, rec = q(f.h1), q(f.rec)
    if held_out:
        table, unrecorded = (_EN_HELD, _UNRECORDED_EN_HELD) if en else (_ZH_HELD, _UNRECORDED_ZH_HELD)
        say: Callable[[str], str] = (lambda clause: f"{clause} {rec}.") if en else (
            lambda clause: f"{clause}，所以{rec}可能也合你的口味。")
    else:
        table, unrecorded = (_EN, _UNRECORDED_EN) if en else (_ZH, _UNRECORDED_ZH)
        say = (lambda clause: f"We recommend {rec} because you {clause}.") if en else (
            lambda clause: f"因为你{clause}，所以向你推荐{rec}。")
    if f.h1_event == "rating":
        stars = stars_text(f.h1_rating) if f.h1_rating is not None else None
        right = _rated(stars, en, held_out)
        wrong = table["purchase"][0]
    else:
        right, wrong = table[f.h1_event]
    bought = table["purchase"][0] if f.h1_event != "purchase" else table["cart"][0]
    out = [("faithful_action", say(right(h1)), f.explanation), ("wrong_action", say(wrong(h1)), f.explanation)]
    # half the unrecorded cases: a new shopper's explanation (no events) told what they did
    if n % 2 == 0:
        out.append(("unrecorded_action", say(bought(h1)), f.bare))
    else:
        out.append(("unrecorded_action", say(unrecorded[(n // 2) % len(unrecorded)](h1)), f.explanation))
    return out


def _rated(stars: str | None, en: bool, held_out: bool) -> Phrase:
    """The verb of a rating, with its stars when the evidence has them."""
    unit = "star" if stars == "1" else "stars"
    if en and held_out:
        return (lambda t: f"You gave {t} {stars} {unit}, which points to") if stars else (
            lambda t: f"You rated {t}, which points to")
    if en:
        return (lambda t: f"rated {t} {stars} {unit}") if stars else (lambda t: f"rated {t}")
    if held_out:
        return (lambda t: f"你给{t}打过{stars}星") if stars else (lambda t: f"你给{t}评过分")
    return (lambda t: f"给{t}打过{stars}星") if stars else (lambda t: f"给{t}评过分")
