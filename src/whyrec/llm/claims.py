"""Claims no explanation carries: time, certainty, guarantees and deals, social proof, negation; and text
that is not a reason at all (instructions, chat role markers).

Each pattern is a flat alternation with bounded gaps, so every search is linear in the text's length. The
lists are hand-written: they are closed classes of words (time adverbs, hedges, shop talk) that no
segmenter or NER library labels as claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from whyrec.explain.explanation import Lang

__all__ = ["COUNTERFACTUAL_CUES", "ClaimKind", "FoundClaim", "find_claims"]


class ClaimKind(StrEnum):
    """A kind of claim the evidence does not back (social proof is backed by popularity evidence)."""

    TIME = "time"
    CERTAINTY = "certainty"
    GUARANTEE = "guarantee"
    SOCIAL_PROOF = "social_proof"
    NEGATION = "negation"
    INSTRUCTION = "instruction"


_EN = re.IGNORECASE
_PATTERNS: dict[ClaimKind, dict[Lang, re.Pattern[str]]] = {
    ClaimKind.TIME: {
        Lang.EN: re.compile(r"\b(?:yesterday|today|tonight|tomorrow|recently|lately|last (?:week|month|year|night"
                            r"|weekend|time)|this (?:week|month|morning|weekend)|(?:a few|\d+|two|three|several) "
                            r"(?:days?|weeks?|months?|years?) ago|a (?:day|week|month|year) ago|just (?:now|bought"
                            r"|watched|viewed)|the other day)\b", _EN),
        Lang.ZH: re.compile(r"昨天|今天|明天|上周|上星期|上个月|上个星期|前几天|前天|最近|近期|刚刚|刚才|去年|本周|这周|这个月"),
    },
    ClaimKind.CERTAINTY: {
        Lang.EN: re.compile(r"\b(?:definitely|certainly|surely|absolutely|undoubtedly|for sure|without (?:a )?doubt"
                            r"|no doubt|sure to|bound to|guaranteed to|can'?t miss|cannot miss|never disappoints?"
                            r"|100 ?%|a hundred percent|perfect (?:match|fit|choice)|(?:sure|safe) bet|can'?t go wrong|no[- ]brainer"
                            r"|(?:the|your) best (?:choice|pick|option|bet)"
                            r"|must[- ](?:see|watch|have|buy|play)|you(?:'ll| will) (?:adore|be hooked))\b", _EN),
        Lang.ZH: re.compile(r"一定|肯定|必定|必然|绝对|毫无疑问|百分之百|百分百|保准|准没错|完美契合|稳赚|包你|保你|准保|不会失望"
                            r"|错不了|必看|必买|必玩|无疑"),
    },
    ClaimKind.GUARANTEE: {
        Lang.EN: re.compile(r"\b(?:guarantee\w*|money[- ]back|refund\w*|free (?:shipping|delivery|trial)|in stock"
                            r"|discount\w*|on sale|sale price|deals?|cheap\w*|bargain|limited[- ]time|best price"
                            r"|lowest price|\d+ ?% off|half[- ]price|coupons?|promo\w*|save \$?\d+|ships? free|free returns?"
                            r"|while (?:supplies|stocks) last|best deal|price drop|clearance)\b", _EN),
        Lang.ZH: re.compile(r"保证|包邮|退款|退货|打折|折扣|优惠|特价|促销|限时|秒杀|便宜|最低价|优惠券|现货|满减|包退|包换"
                            r"|[\d一二三四五六七八九]+折"),
    },
    ClaimKind.SOCIAL_PROOF: {
        Lang.EN: re.compile(r"\b(?:popular|bestsell\w*|best[- ]sell\w*|trending|everyone|everybody|most people"
                            r"|millions of|thousands of|other (?:users|viewers|shoppers|customers|people|fans)"
                            r"|many (?:users|people|viewers|shoppers|customers|fans)|highly rated|top[- ]rated"
                            r"|critics?|award[- ]winning|acclaimed|beloved|(?:fan|crowd)[- ]favou?rites?|crowd[- ]pleaser|cult classic"
                            r"|loved by|widely (?:loved|praised)|hugely popular|blockbuster|smash hit|viral|word of mouth"
                            r"|everyone'?s favou?rite)\b", _EN),
        Lang.ZH: re.compile(r"热门|畅销|爆款|大家都|很多人|许多人|其他(?:用户|观众|顾客|人|买家)|好评|口碑|销量|人气"
                            r"|获奖|火爆|销冠|最受欢迎|受欢迎|广受|深受|备受|追捧|影迷|评论家|众多(?:玩家|观众|用户|顾客)"),
    },
    ClaimKind.NEGATION: {
        Lang.EN: re.compile(r"\b(?:didn'?t|did not|don'?t|do not|never|haven'?t|have not|hadn'?t|had not|wasn'?t"
                            r"|weren'?t|not)\s+(?:\w+\s+){0,2}?(?:watch\w*|lik\w*|enjoy\w*|lov\w*|buy\w*|bought"
                            r"|view\w*|seen|see|saw|rated?|interested|care\w*|look\w*|play\w*|show\w*|brows\w*"
                            r"|check\w*|purchas\w*)\b|\b(?:dislik\w*|hated?|hating"
                            r"|unlike)\b", _EN),
        Lang.ZH: re.compile(r"(?:没有?|从未|从没|不曾|未曾|不)(?:看过|看|喜欢|买过|买|关注过|关注|浏览过|浏览|感兴趣|爱看|玩过)"
                            r"|讨厌|反感"),
    },
    ClaimKind.INSTRUCTION: {
        Lang.EN: re.compile(r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}?\b(?:instructions?|prompts?|rules)\b"
                            r"|\b(?:ignore|disregard) (?:the |all )?(?:above|previous)\b|\bas an ai\b|\blanguage model\b|(?:^|\n|\s)(?:system|assistant|user"
                            r"|human)\s*:|<\|[^|\n]{0,24}\|>|\[/?inst\]|###|\byou are (?:a|an) (?:helpful|ai)\b"
                            r"|\bnew instructions?\b|\bprompt injection\b", _EN),
        Lang.ZH: re.compile(r"(?:忽略|无视|忘记|忘掉)[^。\n]{0,12}?(?:指令|提示|规则|要求)|(?:忽略|无视)(?:以上|之前)|作为(?:一个)?(?:AI|人工智能"
                            r"|语言模型)|(?:系统|助手|用户)[:：]|新的指令|<\|[^|\n]{0,24}\|>"),
    },
}
#: Cues of a counterfactual claim ("Without X, it would not be recommended").
COUNTERFACTUAL_CUES = {
    Lang.EN: re.compile(r"\b(?:without|if you (?:hadn'?t|had not|didn'?t|did not|had never)|were it not for"
                        r"|but for|had you not)\b", _EN),
    Lang.ZH: re.compile(r"如果(?:你的记录中|你)?没有|要是没有|若没有|如果没|假如没有|没有了"),
}


@dataclass(frozen=True)
class FoundClaim:
    """A claim in a text, with its span."""

    kind: ClaimKind
    start: int
    end: int
    text: str


def find_claims(text: str, lang: Lang, *, social_proof_backed: bool) -> Iterator[FoundClaim]:
    """Claims of every kind in `text`; a negation inside a counterfactual sentence is the counterfactual's.

    Args:
        text: the text.
        lang: its language (both languages' instruction markers are always looked for).
        social_proof_backed: whether popularity evidence backs "popular with other viewers".
    """
    counterfactual = [m.start() for m in COUNTERFACTUAL_CUES[lang].finditer(text)]
    for kind, patterns in _PATTERNS.items():
        if kind is ClaimKind.SOCIAL_PROOF and social_proof_backed:
            continue
        languages = (Lang.EN, Lang.ZH) if kind is ClaimKind.INSTRUCTION else (lang,)
        for language in languages:
            for m in patterns[language].finditer(text):
                if kind is ClaimKind.NEGATION and any(_same_sentence(text, c, m.start()) for c in counterfactual):
                    continue
                start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                yield FoundClaim(kind, start, m.end(), text[start:m.end()])


def _same_sentence(text: str, a: int, b: int) -> bool:
    lo, hi = min(a, b), max(a, b)
    return not any(c in ".!?。！？\n" for c in text[lo:hi])
