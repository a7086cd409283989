"""A closed vocabulary: the only words an LLM reason may use besides the titles, values and numbers it was given.

Word lists of claims (time, certainty, deals, social proof) can always be phrased around ("comes with a free
gift", 正在流行); a reason needs far fewer words than a claim can be made of. So every word of a text that is
not a title, an attribute value, a number or a word of the evidence's own labels must be one a reason uses:
connecting words, the verbs of the events, the nouns of a history and of a list. Anything else is a claim the
evidence cannot back, and the text is rejected (the template reason is shown instead: failing closed costs
wording, never truth).

The lists are hand-written closed classes (no library labels "words an explanation may use"); the words of
whyrec's own templates are added from the templates themselves, so a template sentence always passes.
English words are lower-cased letter runs (an apostrophe splits "hadn't" into "hadn" and "t"); Chinese words are
jieba's segments, a segment passing when it is listed, is one listed character, or appears in a template.
Every step is linear in the text's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache

from whyrec.explain.explanation import Lang
from whyrec.explain.text import en, zh
from whyrec.explain.text.mentions import blank

__all__ = ["EN_WORDS", "ZH_CHARS", "ZH_WORDS", "unknown_words"]


def _words(block: str) -> list[str]:
    return block.split()


EN_WORDS = frozenset(_words("""
a an the this that these those some any each both all other another such same which what who whom whose there here
i we us our ours you your yours yourself it its they them their one ones something anything
of in on at to for from with without by about like as among between into after behind near than through over upon
up out based given along alongside beside besides within across toward towards via per
and or but so because since if then also too either neither nor though although thus hence therefore while
whereas plus not
is are was were be been being am s have has had having do does did done would could might may can should must
will hadn wouldn couldn t d ve re ll
recommend recommends recommended recommending recommendation recommendations suggest suggests suggested suggesting
suggestion suggestions pick picks picked picking choose chooses chose chosen choice choices select selected selection
show shows showed shown showing think thought fit fits fitted fitting suit suits suited suitable match matches
matched matching like likes liked enjoy enjoys enjoyed love loves loved appeal appeals appealed
watch watched watching view views viewed viewing saw seen see bought buy buys buying purchase purchased purchases
rate rated rating ratings click clicked clicks add added adding cart interact interacted interaction interactions
play played browse browsed look looked looking check checked try trying want lead leads led bring brings brought
make makes made point points pointed come comes came go goes went keep kept give gives gave get gets got weigh
weighs weighed weight weights count counts counted rank ranks ranked ranking score scores scored drive drives drove
driven push pushes pushed relate relates related connect connects connected resemble resembles share shares shared
remind reminds reminded mean means help helps helped explain explains explained find finds found notice noticed
put puts place places placed stand stands stood land lands landed follow follows followed tie ties tied belong belongs
reason reasons history interest interests interested taste tastes list lists item items product products film films
movie movies game games title titles thing things evidence model place spot position top activity record records
profile preference preferences genre genres category categories brand brands platform platforms type types kind
kinds style styles attribute attributes feature features description descriptions sequence session order part
basis factor factors signal collection library selection
similar similarly close closely closer closest alike much more most less least main mainly strongly strong
stronger strongest well good better best only even still really very quite probably perhaps maybe likely possibly
especially particularly mostly partly largely next new own others else further higher highest first second third
last key fan fans ones thanks thank including include includes included example instance
why how where when note given worth
zero two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
eighteen nineteen twenty thirty forty fifty hundred percent
"""))
"""English words a reason may use (with the words of whyrec's English templates)."""

ZH_WORDS = frozenset(_words("""
因为 所以 因此 于是 既然 由于 根据 基于 鉴于 考虑到 多亏 得益于 如果 要是 假如 就 才 也 都 还 又 并 并且 而且 以及
和 与 跟 同 及 或 或者 但 但是 不过 你 您 你的 您的 我们 我们的 它 它们 这 这个 这些 那 那个 这部 这件 这款 这里
这次 其中 之中 之一 是 为 成为 属于 有 没有 不会 会 可能 也许 或许 大概 应该 能 可以 推荐 推荐给 建议 挑选 选择
选 挑 为你 给你 向你 想到 找到 发现 带来 让 使 看过 看了 观看 浏览 浏览过 购买 购买过 买过 买了 加入 加入过
购物车 评分 评过分 评价 打分 打过分 点击 点击过 关注 关注过 喜欢 喜爱 喜欢过 感兴趣 兴趣 口味 偏好 爱好 品味 记录
历史 清单 列表 作品 商品 物品 产品 影片 电影 游戏 东西 内容 一样 同样 类似 相似 相近 接近 相同 相关 相像 比如
例如 包括 包含 这样 那样 影响 最大 非常 特别 尤其 主要 重要 关键 原因 理由 依据 因素 作为 排在 排名 名次 位置
分数 得分 模型 合适 适合 符合 契合 搭配 对于 之后 一起 其他 别的 另外 同类 类型 类别 风格 题材 品牌 平台 价位
特点 不妨 试试 看看 也会 一部 一件 一款 一项 几部 玩过 上榜 入选 选中 排 打动 吸引 联系 关联 相连 共同 共有
一些 部分 其余 大多 大多数 多数 更多 之间 当中 同一 属性 标签 方面 有关 对应 所以说 这么 那么 如此
"""))
"""Chinese words a reason may use (with the segments of whyrec's Chinese templates)."""

ZH_CHARS = frozenset("的了过着和与及也都就还又很更最是在有为给向对把被让从到这那它你您我们部件个款项种类样"
                     "中里上下之等而并或但因所以如像比跟同会能可该要想看买选挑试玩爱其此每各些合配一二三四五六七八九十两百千")
"""Single Chinese characters a reason may use as words (function characters, measure words, numerals)."""

_EN_WORD = re.compile(r"[a-z]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _template_strings(table: object) -> Iterator[str]:
    for value in vars(table).values():
        strings: Iterable[object] = value.values() if isinstance(value, Mapping) else [value]
        for string in strings:
            if isinstance(string, str):
                yield re.sub(r"\{[^}]*\}", " ", string)


@cache
def _template_text(lang: Lang) -> str:
    """Every template string of `lang` (placeholders blanked), one searchable string."""
    return " | ".join(_template_strings(en.TEMPLATES if lang is Lang.EN else zh.TEMPLATES)).casefold()


@cache
def _english_words() -> frozenset[str]:
    return EN_WORDS | frozenset(_EN_WORD.findall(_template_text(Lang.EN)))


def unknown_words(text: str, lang: Lang, spans: list[tuple[int, int]], allowed_text: str,
                  segments: list[tuple[int, str, str]] | None = None) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) of each word of `text` outside `spans` that a reason may not use.

    Args:
        text: the text.
        lang: its language.
        spans: titles, values and numbers found in it (checked by the other checks).
        allowed_text: the evidence's own words (titles and labels, casefolded): a word found in it is allowed.
        segments: jieba's (start, word, tag) segments of the blanked text, for Chinese.
    """
    if lang is Lang.EN:
        allowed = _english_words()
        for m in _EN_WORD.finditer(blank(text, spans).lower()):
            word = m.group(0)
            if word not in allowed and f" {word} " not in allowed_text:
                yield m.start(), m.end(), word
        return
    templates = _template_text(Lang.ZH)
    checked_elsewhere = blank(text, spans)
    for start, word, _ in segments or []:
        if not _CJK.search(checked_elsewhere[start:start + len(word)]):
            continue
        if len(word) == 1:
            if word in ZH_CHARS:
                continue
        elif word in ZH_WORDS or word in templates or word in allowed_text:
            continue
        if len(word) > 1 and all(c in ZH_CHARS for c in word) and word[0] not in "不没":
            continue  # jieba joined function characters ("中有", "这部")
        yield start, start + len(word), word
