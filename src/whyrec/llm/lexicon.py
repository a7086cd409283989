"""Words the guard reads: role cues, people cues, pieces of the prompt.

Genre forms and number words are the mention scanner's (:mod:`whyrec.explain.text.mentions.words`).
"""

from __future__ import annotations

import re

__all__ = ["HISTORY_CUES", "PERSON_CUES", "PROMPT_ECHO", "RECOMMEND_CUES"]

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
        r"|similar to|such as|taste for|already|previously|earlier|before|looked at|showed interest in|played"
        r"|browsed|checked out)\b|\byou (?:like|enjoy|love)\b", re.IGNORECASE),
    "zh": re.compile(r"看过|看了|喜欢过|喜欢|观看|评价|评分|浏览|购买|买过|互动|类似|相似|像|关注过|关注|玩过"),
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
