"""Words the guard reads: role cues, genre names and their common forms, number words.

The genre forms cover MovieLens's 18 genres in English and Chinese; other catalogs' values (brands,
categories) are matched as written, plus a plural.
"""

from __future__ import annotations

import re

__all__ = ["GENRE_FORMS", "HISTORY_CUES", "NUMBER_WORDS", "PERSON_CUES", "PROMPT_ECHO", "RECOMMEND_CUES",
           "SENTENCE_START_WORDS", "ZH_NUMBER"]

#: Phrases that put the title next to them in the recommended role ...
RECOMMEND_CUES = {
    "en": re.compile(
        r"\brecommend\w*|\bsuggest\w*|\byou(?:'ll|'d| will| would| might| may| could| should)(?: also| really| surely)?"
        r" (?:like|love|enjoy|want)\b|\btry\b|\bcheck out\b|\bwatch next\b|\bup next\b|\bpicked for you\b"
        r"|\bfor you\b|\bnew to you\b", re.IGNORECASE),
    "zh": re.compile(r"推荐|建议|不妨|试试|值得一看|会喜欢|会爱上|为你挑选|为您挑选"),
}
#: ... and in the role of something the user already interacted with.
HISTORY_CUES = {
    "en": re.compile(
        r"\b(?:watched|liked|enjoyed|loved|rated|viewed|seen|saw|bought|purchased|interacted|history|fan of|fans of"
        r"|similar to|such as|taste for|already|previously|earlier|before)\b|\byou like\b", re.IGNORECASE),
    "zh": re.compile(r"看过|看了|喜欢过|喜欢|观看|评价|评分|浏览|购买|买过|互动|类似|相似|像"),
}
#: Words that introduce a person; the catalogs we read have no people, so such a claim is invented.
PERSON_CUES = {
    "en": re.compile(r"\b(?:directed by|starring|director|actor|actress|stars)\b", re.IGNORECASE),
    "zh": re.compile(r"导演|主演|演员|明星"),
}
#: Pieces of the prompt's instructions that a model may copy into its answer instead of answering.
PROMPT_ECHO = {
    "en": re.compile(r"\b(?:write (?:one|a) sentence|(?:sentence|it) that starts with|starts? with:|the user is asked"
                     r"|items the user interacted with|use only the facts|put titles in)\b", re.IGNORECASE),
    "zh": re.compile(r"用一句中文|开头|推荐的物品：|用户互动过的物品|只使用给出的事实|说明为什么推荐"),
}
#: Capitalised words that may start a sentence without being a name.
SENTENCE_START_WORDS = frozenset(
    "the a an we you your this that these it its if because since as based given like recommended "
    "here there with for our and but so when while".split())

#: normalized genre value -> other English forms and Chinese names
GENRE_FORMS: dict[str, tuple[str, ...]] = {
    "action": ("动作",),
    "adventure": ("adventures", "冒险"),
    "animation": ("animated", "动画"),
    "children s": ("children", "childrens", "kids", "儿童"),
    "comedy": ("comedies", "comedic", "喜剧"),
    "crime": ("犯罪",),
    "documentary": ("documentaries", "纪录片", "纪录"),
    "drama": ("dramas", "dramatic", "剧情"),
    "fantasy": ("fantasies", "奇幻", "魔幻"),
    "film noir": ("noir", "黑色电影"),
    "horror": ("恐怖",),
    "musical": ("musicals", "歌舞", "音乐剧"),
    "mystery": ("mysteries", "悬疑", "推理"),
    "romance": ("romantic", "romances", "爱情", "浪漫"),
    "sci fi": ("science fiction", "scifi", "科幻"),
    "thriller": ("thrillers", "惊悚"),
    "war": ("战争",),
    "western": ("westerns", "西部"),
}

#: English number words (not "one", which is mostly a pronoun) and Chinese numerals before a measure word.
NUMBER_WORDS = {
    "en": {w: i for i, w in enumerate(
        "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()) if w != "_"} | {"dozen": 12, "both": 2},
    "zh": {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10},
}
ZH_NUMBER = re.compile(r"([两二三四五六七八九十])(?=[部个件款本首种])")
