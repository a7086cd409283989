"""Names a text gives that may be people, studios, stores or brands: capitalised runs in English, proper
nouns in Chinese.

Chinese has no capitals, so Chinese names come from jieba: its segmenter (with the HMM that finds words its
dictionary lacks, which in a reason are almost always names) and its dictionary's part-of-speech tags (``nr``
people, ``ns`` places, ``nt`` organisations, ``nz`` other proper nouns). The catalog's own titles and values
are added to its dictionary so they are never read as foreign names. (jieba's part-of-speech HMM is not used:
it costs most of a check's time and adds nothing the dictionary tags and new words do not give.) jieba tags
some well-known companies as common words (微软 "adjective", 育碧, 暴雪, 网易 "noun"); the short
hand-written list below adds them, because no library ships a Chinese organisation gazetteer without a
model download.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator

from whyrec.explain.text.mentions import Mention, inside, sentence_starts
from whyrec.explain.text.mentions.words import SENTENCE_START_WORDS

__all__ = ["ChineseNames", "capitalised_runs"]

logger = logging.getLogger(__name__)

_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")
_GAP = re.compile(r"[ \t]+")
_PROPER_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
# a word jieba's HMM put together that its dictionary lacks: in a reason, almost always a name
_NEW_WORD = "new"
# ... unless it holds a function character no name has ("部是" from "20 部是剧情片")
_CJK_WORD = re.compile(r"[^\W\da-zA-Z是的了在和与有中部件个款这那它你我他她们也都就还很更最过着把被对从向给让为说]{2,}")
#: companies, studios and stores that jieba's dictionary tags as common words (see the module docstring)
ZH_ORGANISATIONS = frozenset((
    "微软", "育碧", "暴雪", "网易", "华纳", "迪士尼", "皮克斯", "梦工厂", "派拉蒙", "环球影业", "索尼", "任天堂",
    "世嘉", "卡普空", "科乐美", "史克威尔", "艾尔登", "苹果公司", "谷歌", "亚马逊", "京东", "淘宝", "天猫", "拼多多",
    "苏宁", "国美", "沃尔玛", "家乐福", "宜家", "耐克", "阿迪达斯", "三星", "华为", "小米", "联想"))
#: words that make the word before them an organisation ("华纳兄弟公司", "某某影业")
_ORG_SUFFIX = re.compile(r"(?:公司|影业|工作室|集团|出品|旗下|官方|旗舰店|商城)")


def capitalised_runs(text: str, taken: list[tuple[int, int]]) -> Iterator[Mention]:
    """Runs of capitalised words outside `taken` spans that may be names.

    A single capitalised word at a sentence start is not a name; a run there loses a leading function word
    ("The Coen brothers" -> "Coen").
    """
    starts = sentence_starts(text)
    words = [m for m in _CAPITALISED.finditer(text) if not inside(m.start(), taken)]
    runs: list[list[re.Match[str]]] = []
    for word in words:
        if runs and _GAP.fullmatch(text, runs[-1][-1].end(), word.start()):
            runs[-1].append(word)
        else:
            runs.append([word])
    for run in runs:
        if run[0].start() in starts and (run[0].group(0).casefold() in SENTENCE_START_WORDS or len(run) == 1):
            run = run[1:]
        run = [w for w in run if w.group(0) != "I"]
        if run:
            yield Mention(run[0].start(), run[-1].end(), text[run[0].start():run[-1].end()])


class ChineseNames:
    """Finds Chinese proper nouns with a jieba tokenizer of its own (the global one is left alone).

    Args:
        known: words of the catalog (titles, values) and of whyrec's templates, never reported.
    """

    _lock = threading.Lock()

    def __init__(self, known: Iterable[str] = ()) -> None:
        self.known = frozenset(known)
        self._tagger: object | None = None
        self._tags: dict[str, str] = {}

    def _load(self) -> object:
        if self._tagger is not None:
            return self._tagger
        with self._lock:
            if self._tagger is None:
                import jieba
                import jieba.posseg

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                for word in self.known:
                    tokenizer.add_word(word, freq=100_000, tag="known")
                for word in ZH_ORGANISATIONS:
                    tokenizer.add_word(word, freq=100_000, tag="nt")
                tagger = jieba.posseg.POSTokenizer(tokenizer)
                tagger.makesure_userdict_loaded()
                self._tags = tagger.word_tag_tab
                self._tagger = tokenizer
        return self._tagger

    def warm(self) -> None:
        """Load jieba's dictionary now (about 1 s, once), not inside a timed check."""
        self._load()

    def segment(self, text: str) -> list[tuple[int, str, str]]:
        """jieba's words of `text` with their offsets and part-of-speech tags: (start, word, tag)."""
        tokenizer = self._load()
        out, at = [], 0
        for word in tokenizer.cut(text):  # type: ignore[attr-defined]
            out.append((at, str(word), self._tags.get(word, _NEW_WORD)))
            at += len(word)
        return out

    def find(self, text: str, words: list[tuple[int, str, str]]) -> list[Mention]:
        """Proper nouns among `words` (the segments of `text`, titles blanked), in text order."""
        out = []
        for start, word, flag in words:
            end = start + len(word)
            if flag == "known" or word in self.known or len(word) < 2 or not word.strip():
                continue
            if flag in _PROPER_TAGS or (flag == _NEW_WORD and _CJK_WORD.fullmatch(word)) or (
                    flag.startswith("n") and _ORG_SUFFIX.match(text, end)):
                out.append(Mention(start, end, word))
        return out
