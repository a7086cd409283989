"""Words the mention scanner reads: genre names in their common forms, number words, sentence openers.

The genre forms cover MovieLens's 18 genres in English and Chinese; other catalogs' values (brands,
categories, platforms) are matched as written, plus a plural.
"""

from __future__ import annotations

__all__ = ["GENRE_FORMS", "NUMBER_WORDS", "SENTENCE_START_WORDS", "ZH_DIGITS", "ZH_UNITS"]

#: Capitalised words that may start a sentence without being a name.
SENTENCE_START_WORDS = frozenset((
    "the", "a", "an", "we", "you", "your", "this", "that", "these", "it", "its", "if", "because", "since", "as",
    "based", "given", "like", "recommended", "here", "there", "with", "for", "our", "and", "but", "so", "when",
    "while", "among", "without", "what", "people", "nothing"))

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

#: English number words ("one" is mostly a pronoun and "both" a determiner; both still count as 1 and 2
#: where a noun follows, see numbers.py).
NUMBER_WORDS: dict[str, int] = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"))} | {
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "dozen": 12, "both": 2, "single": 1, "couple": 2, "pair": 2}

#: Chinese digits and the units that multiply them (三十 = 30, 二十五 = 25, 两百 = 200).
ZH_DIGITS: dict[str, int] = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                             "八": 8, "九": 9}
ZH_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "万": 10000}
