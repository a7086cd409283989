"""Which role a text gives each title it names: the recommended item, or an item from the user's history.

A title takes the role of the nearest cue in its clause ("we recommend X", "because you watched Y"),
looking back first, then ahead. A clause that is only a continued list ("..., Y and Z") keeps the role of
the clause before it. A title with no cue gets no role, and is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from whyrec.explain.explanation import Lang
from whyrec.explain.text.mentions import Mention
from whyrec.llm.lexicon import HISTORY_CUES, RECOMMEND_CUES

__all__ = ["Role", "claimed_roles"]

_SENTENCE_END = re.compile(r"[.!?。！？\n]+")
_CLAUSE_BREAK = {
    Lang.EN: re.compile(r"[,;:()—–]|\s(?:because|since|so|which|but|while|given that|whereas)\s", re.IGNORECASE),
    Lang.ZH: re.compile(r"[，,；;：:（）()]|因为|由于|所以|因此|而且|但是|并且"),
}
# what a clause that only continues a list may hold besides titles: connectors and separators. It is removed in
# one pass and the rest compared, so the check is linear (a regex that repeats optional parts around runs of
# masked titles backtracks exponentially on long titles)
_LIST_FILLER = re.compile(r"\b(?:as well as|and|or)\b|以及|[&和与及\s,、.。\"“”《》「」']", re.IGNORECASE)


class Role(StrEnum):
    """The part an item plays in the explanation."""

    RECOMMENDED = "recommended"
    HISTORY = "history"


def claimed_roles(text: str, mentions: Sequence[Mention], lang: Lang) -> list[Role | None]:
    """The role the text gives each mention (None when no cue says), in the order of `mentions`."""
    masked = list(text)
    for m in mentions:  # titles may hold cue words or commas ("The Good, the Bad and the Ugly")
        masked[m.start:m.end] = "\x00" * (m.end - m.start)
    plain = "".join(masked)
    recommend = [(m.start(), m.end()) for m in RECOMMEND_CUES[lang].finditer(plain)]
    # "会喜欢" (will like) holds "喜欢" (liked): a history cue inside a recommendation cue does not count
    history = [(m.start(), m.end()) for m in HISTORY_CUES[lang].finditer(plain)
               if not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in recommend)]
    cues = sorted([(a, b, Role.RECOMMENDED) for a, b in recommend] + [(a, b, Role.HISTORY) for a, b in history])
    roles: list[Role | None] = [None] * len(mentions)
    for s_start, s_end in _pieces(plain, _SENTENCE_END, 0, len(plain)):
        before: Role | None = None
        for c_start, c_end in _pieces(plain, _CLAUSE_BREAK[lang], s_start, s_end):
            here = [c for c in cues if c_start <= c[0] < c_end]
            continues_list = _continues_list(plain[c_start:c_end])
            for n, m in enumerate(mentions):
                if not c_start <= m.start < c_end:
                    continue
                # a cue before the title reaches it unless another title stands between them ("你看过的A让我们
                # 想到了B": 看过 is A's); one after it counts unless it leads straight into another title
                back = [role for _, end, role in here if end <= m.start and _reaches(plain[end:m.start])]
                ahead = [role for start, end, role in here if start >= m.end and not _leads_into_title(plain, end)]
                roles[n] = back[-1] if back else ahead[0] if ahead else before if continues_list else None
            before = here[-1][2] if here else before if continues_list else None
    return roles


def _reaches(gap: str) -> bool:
    """Whether a cue reaches across `gap` to the next title: no title in it, or only a list of titles."""
    return "\x00" not in gap or _continues_list(gap)


def _leads_into_title(plain: str, end: int) -> bool:
    """Whether a cue ending at `end` is followed at once by a title (it is that title's cue)."""
    nul = plain.find("\x00", end, end + 4)
    return nul >= 0 and not plain[end:nul].strip(' "“《「的了过')


def _continues_list(clause: str) -> bool:
    """Whether a clause holds only titles (masked as NULs), connectors and separators."""
    return not _LIST_FILLER.sub("", clause).replace("\x00", "")


def _pieces(text: str, breaks: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    out, at = [], start
    for match in breaks.finditer(text, start, end):
        out.append((at, match.start()))
        at = match.end()
    out.append((at, end))
    return [(a, b) for a, b in out if b > a]
