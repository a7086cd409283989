"""What a user did with an item, and the words that say it: one table for the templates, the prompt and the guard.

Each :class:`Action` names the event kinds that record it (the ``event`` of a history item's evidence: whyrec's
own kinds and the names data sets use for them) and the phrases that state it, in English and Chinese. A
phrase of an action is true of an item only when the item's event is one of the action's kinds; the guard
(:mod:`whyrec.llm.actions`) rejects the others. The templates' event verbs (``event_clause`` in
:mod:`whyrec.explain.text.en` and :mod:`~whyrec.explain.text.zh`) are phrases of their own event's action
(a test checks it).

Seeing an item is implied by every interaction, so the generic verbs of each domain (:data:`DOMAIN_VERBS`:
watched, viewed, looked at, showed interest in, 看过, 浏览过, 关注过) are not actions here: the templates use
them when the event kind is unknown, and they are never rejected. ("关注" also means "followed"; the Chinese
templates use it for "showed interest in", so it is generic too.) "Because you liked X" is the taste sense of
"liked", as "enjoyed", "loved" and 喜欢 are: no action; the like action is "gave X a like" or 点赞.

The phrases are regular-expression pieces (flat alternations with bounded gaps, so matching is linear), longest
first where one starts another, matched in a text whose titles are each one NUL character.
"""

from __future__ import annotations

from dataclasses import dataclass

from whyrec.explain.text.templates import Domain

__all__ = ["ACTIONS", "DOMAIN_VERBS", "Action", "action_of_event"]

#: The generic verb of each domain (English, Chinese): what the user did when the event kind is unknown.
DOMAIN_VERBS: dict[Domain, tuple[str, str]] = {Domain.FILMS: ("watched", "看过"),
                                               Domain.PRODUCTS: ("looked at", "关注过")}

_YOU = r"\byou(?:'ve|'d| have| had| also| already| once)?"  # an ambiguous verb states an action after "you"
_GAP = r"[^.!?;:\n]{0,40}?"  # bounded: titles are one character when phrases are matched
_CART = r"(?:cart|basket|trolley)"
_SAVED = r"wish ?list|favou?rites|saved items"
_NOT_PRAISE = r"(?<!highly )(?<!top[- ])(?<!well[- ])(?<!best[- ])"  # "highly rated" is social proof, no action


@dataclass(frozen=True)
class Action:
    """One thing a user can have done with an item.

    Attributes:
        name: the action (``purchase``, ``cart``...).
        events: event kinds that record it (casefolded).
        said_en: how the prompt says it ("bought").
        said_zh: the same in Chinese.
        en: regular-expression pieces of English phrases that state it.
        zh: the same for Chinese.
    """

    name: str
    events: frozenset[str]
    said_en: str
    said_zh: str
    en: tuple[str, ...]
    zh: tuple[str, ...]

    def records(self, event: str | None) -> bool:
        """Whether an item whose strongest event is `event` backs a phrase of this action."""
        return event is not None and event.casefold() in self.events


ACTIONS: tuple[Action, ...] = (
    Action("purchase", frozenset({"purchase", "buy", "order", "transaction", "checkout"}), "bought", "购买过",
           en=(r"\b(?:bought|purchased|buying|purchasing|your purchases?|you ordered)\b",),
           zh=("购买过", "购买了", "买过", "买了", "购买", "购入", "下过单", "下单", "入手")),
    Action("cart", frozenset({"cart", "add_to_cart", "addtocart", "add-to-cart", "basket"}), "added to the cart",
           "加入过购物车",
           en=(rf"\b(?:added|put|placed){_GAP}\b(?:to|in|into) (?:your |the |my )?(?:shopping )?{_CART}\b",
               rf"\b(?:in|into) your (?:shopping )?{_CART}\b", r"\bcarted\b"),
           zh=("购物车", "加购", "购物篮")),
    Action("wishlist", frozenset({"wishlist", "save", "saved", "favorite", "favourite", "bookmark", "collect"}),
           "saved", "收藏过",
           en=(rf"\b(?:added|put){_GAP}\bto (?:your |the |a |my )?(?:{_SAVED}|list|collection)\b",
               rf"\b(?:in|on) your (?:{_SAVED})\b", r"\bwish ?listed\b", r"\bbookmarked\b",
               rf"{_YOU} saved\b"),
           zh=("收藏", "心愿单", "愿望单", "加入过清单", "加入了清单", "加入清单", "加入列表", "加入了列表")),
    Action("rating", frozenset({"rating", "rate", "review"}), "rated", "评过分",
           en=(rf"{_NOT_PRAISE}\b(?:rated|reviewed|your (?:ratings?|reviews?)(?: of)?)\b",
               rf"\bgave{_GAP}\b(?:\d+(?:\.\d)?|one|two|three|four|five) stars?\b"),
           zh=("评过分", "打过分", "打分", "评分", "评价过", "评价", "评过",
               r"打[过了][\d一二三四五六七八九十.]{0,4}颗?星")),
    Action("click", frozenset({"click"}), "clicked", "点击过",
           en=(r"\bclicked\b", r"\bclicks? on\b"),
           zh=("点击", "点过(?!赞)", "点开", "点进")),
    Action("share", frozenset({"share"}), "shared", "分享过", en=(rf"{_YOU} shared\b",), zh=("分享",)),
    Action("search", frozenset({"search"}), "searched for", "搜索过",
           en=(r"\b(?:searched|searching) for\b", r"\byour searches?\b", rf"{_YOU} searched\b"), zh=("搜索", "搜过")),
    Action("return", frozenset({"return", "refund"}), "returned", "退过货",
           en=(rf"{_YOU} returned\b(?! to)",), zh=("退货", "退过货", "退了货")),
    Action("subscribe", frozenset({"subscribe", "subscription"}), "subscribed to", "订阅过",
           en=(r"\bsubscribed\b", r"\byour subscriptions?\b"), zh=("订阅",)),
    Action("follow", frozenset({"follow"}), "followed", "关注过", en=(rf"{_YOU} followed\b(?! by)",), zh=()),
    Action("like", frozenset({"like"}), "liked", "点过赞",
           en=(rf"\bgave{_GAP}\ba (?:like|thumbs[- ]up)\b",), zh=("点赞", "点过赞", "赞过")),
)
"""Every action the guard checks against the evidence's event kinds, in the order phrases are tried."""


def action_of_event(event: str | None) -> Action | None:
    """The action an event kind records (None for a view, an unknown kind, or none)."""
    if event is None:
        return None
    folded = event.casefold()
    return next((a for a in ACTIONS if folded in a.events), None)
