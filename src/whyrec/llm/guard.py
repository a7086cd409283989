"""The faithfulness guard: an LLM's sentence is kept only if every fact in it comes from the explanation.

It checks, with spans (the fact checks live in :mod:`whyrec.llm.checks`):

- titles: a catalog title must be the recommended item or an evidence item; one in quotes or 《》 that is not
  in the catalog is invented, a piece of one is truncated, the same one twice in a row is repeated, and a
  Chinese title outside 《》 (a translation) is invented too;
- roles: the recommended item must not be said to be in the history, nor a history item to be recommended;
  an item that counts against the recommendation is no reason; a text that names history items names the
  strongest one; a counterfactual is the verified one;
- attribute values (genre, brand, platform): they must belong to the item they are said of;
- numbers: counts, ranks, shares and prices must follow from the evidence, never from digits in titles;
- names: capitalised words (English) or proper nouns found by jieba (Chinese) that are no title, value or
  evidence label, and "directed by"-style claims;
- actions: "bought", "added to cart", "rated", 收藏... must be what the evidence records for the item they are
  said of (:mod:`whyrec.llm.actions`); the generic verbs (watched, looked at, 看过) always pass;
- claims: time, certainty, guarantees and deals, social proof (unless popularity is the evidence), negation;
  instructions and chat role markers;
- vocabulary: when nothing above was found, every other word must be one a reason uses
  (:mod:`whyrec.llm.vocabulary`): a claim phrased around the word lists is still rejected;
- form: not empty, not a copy of the instructions, not cut off or unfinished, not too long (titles not
  counted), in the language asked.

Every check is linear in the text's length, and the whole check has a time budget: a check that overruns
it rejects the text (``guard_timeout``), so the guard never holds a reply past the LLM's own budget.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from whyrec.data.catalog import Catalog
from whyrec.explain.explanation import Explanation, Lang
from whyrec.explain.text import zh
from whyrec.explain.text.mentions import Mention, NumberKind, StatedNumber, blank, catalog_index, find_numbers, tokens
from whyrec.llm.actions import action_findings
from whyrec.llm.checks import (
    Finding,
    Scan,
    attribute_findings,
    claim_findings,
    name_allowed,
    number_findings,
    role_findings,
    title_findings,
    untagged_chinese_titles,
)
from whyrec.llm.evidence import facts_of
from whyrec.llm.lexicon import PROMPT_ECHO
from whyrec.llm.names import ChineseNames, capitalised_runs
from whyrec.llm.roles import claimed_roles
from whyrec.llm.vocabulary import unknown_words

__all__ = ["DEFAULT_BUDGET_MS", "DEFAULT_MAX_CHARS", "FaithfulnessGuard", "Rejection", "RejectionKind", "Verdict"]

#: Longest accepted text per language, in characters, a title counting as 10 (a Chinese character carries about
#: half an English word's characters; whyrec's own Chinese templates with event verbs and a five-item
#: counterfactual reach 126).
DEFAULT_MAX_CHARS: Mapping[Lang, int] = {Lang.EN: 300, Lang.ZH: 150}
_TITLE_CHARS = 10  # what a title counts for in the length limit, however long the catalog spells it
#: Time one check may take; a text whose check overruns it is rejected.
DEFAULT_BUDGET_MS = 50.0
_PUNCT = " \t\n.,;:!?。，；：！？…、\"'”’》)"
# a sentence that stops on one of these was not finished ("We recommend "Alien" because you watched.")
_DANGLING = re.compile(r"(?:\b(?:because|watched|and|or|of|the|an|since)|看过|因为|和)$", re.IGNORECASE)
# "... which you watched." ends a relative clause whose object came before it: finished
_RELATIVE = re.compile(r"\b(?:which|that|whom)\s+(?:you|you've|you have)\s+$", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_OUTSIDE_QUOTES = re.compile(r"《[^》\n]{0,200}》|\"[^\"\n]{0,200}\"|“[^”\n]{0,200}”")


class RejectionKind(StrEnum):
    """Why a text was rejected."""

    EMPTY = "empty"
    PROMPT_ECHO = "prompt_echo"
    INCOMPLETE = "incomplete"
    TOO_LONG = "too_long"
    WRONG_LANGUAGE = "wrong_language"
    INVENTED_TITLE = "invented_title"
    INVENTED_ATTRIBUTE = "invented_attribute"
    INVENTED_NAME = "invented_name"
    TRUNCATED_TITLE = "truncated_title"
    REPEATED_TITLE = "repeated_title"
    WRONG_COUNT = "wrong_count"
    SWAPPED_ROLE = "swapped_role"
    NEGATIVE_EVIDENCE = "negative_evidence"
    DROPPED_EVIDENCE = "dropped_evidence"
    WRONG_COUNTERFACTUAL = "wrong_counterfactual"
    UNRECORDED_ACTION = "unrecorded_action"
    WRONG_ACTION = "wrong_action"
    UNSUPPORTED_CLAIM = "unsupported_claim"
    NEGATION = "negation"
    INSTRUCTION = "instruction"
    GUARD_TIMEOUT = "guard_timeout"


class Rejection(BaseModel):
    """One reason to reject, with the offending span.

    Attributes:
        kind: what is wrong.
        span: the text at fault (the whole text for form problems).
        start: its first character in the text.
        end: one past its last character.
        detail: what was expected instead.
    """

    model_config = ConfigDict(frozen=True)

    kind: RejectionKind
    span: str
    start: int
    end: int
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.span!r}"


class Verdict(BaseModel):
    """The guard's decision.

    Attributes:
        accepted: True when there is no rejection.
        reasons: every rejection found, in text order (form problems first).
    """

    model_config = ConfigDict(frozen=True)

    accepted: bool
    reasons: tuple[Rejection, ...] = ()


class FaithfulnessGuard:
    """Checks LLM texts against explanations of one catalog (the catalog is indexed once).

    Args:
        catalog: the items, their titles and attributes.
        max_chars: longest accepted text per language, a title counting as 10 characters.
        budget_ms: time one check may take before it rejects the text.

    Example:
        >>> guard = FaithfulnessGuard(catalog)  # doctest: +SKIP
        >>> guard.check('We recommend "Star Wars" because you watched "Return of the Jedi".', explanation,
        ...             Lang.EN).accepted  # doctest: +SKIP
        True
    """

    def __init__(self, catalog: Catalog, *, max_chars: Mapping[Lang, int] = DEFAULT_MAX_CHARS,
                 budget_ms: float = DEFAULT_BUDGET_MS) -> None:
        self.catalog = catalog
        self.index = catalog_index(catalog)
        self.max_chars = dict(max_chars)
        self.budget_ms = budget_ms
        known = [*self.index.cjk_titles, *self.index.cjk_values, *_template_words()]
        self.chinese_names = ChineseNames(known)

    def warm(self) -> None:
        """Load the Chinese segmenter's dictionary now (about 1 s, once) rather than in the first Chinese check."""
        self.chinese_names.warm()

    def check(self, text: str, explanation: Explanation, lang: Lang, *, finish_reason: str | None = None,
              also_allowed: str = "", budget_ms: float | None = None) -> Verdict:
        """Judge one text.

        Args:
            text: the LLM's answer.
            explanation: the evidence it had to stick to.
            lang: the language asked.
            finish_reason: the server's; ``length`` means the text was cut off.
            also_allowed: a text whose numbers count as derived (the template reason of the same evidence).
            budget_ms: time this check may take (default: the guard's); past it the text is rejected.
        """
        if lang is Lang.ZH:
            self.warm()  # once, outside any one check's budget
        deadline = time.perf_counter() + (self.budget_ms if budget_ms is None else budget_ms) / 1000
        scan = self._scan(text, explanation, lang) if text.strip() else None
        reasons = self._form(text, lang, finish_reason, scan)
        if scan is not None:
            reasons += self._facts(scan, lang, also_allowed, deadline)
        return Verdict(accepted=not reasons, reasons=tuple(sorted(reasons, key=lambda r: r.start)))

    def _scan(self, text: str, explanation: Explanation, lang: Lang) -> Scan:
        facts = facts_of(explanation, self.index)
        toks = tokens(text)
        quoted = self.index.quoted(text)
        taken = [(m.start, m.end) for m in quoted]
        titles = sorted([m for m in quoted if m.items] + self.index.unquoted_titles(text, toks, facts.items, taken),
                        key=lambda m: m.start)
        taken += [(m.start, m.end) for m in titles if not m.quoted]
        attributes = self.index.attributes(text, toks, taken) + [
            Mention(m.start, m.end, m.text, value=self.index.raw_values[m.text.casefold()])
            for m in quoted if not m.items and m.text.casefold() in self.index.raw_values]
        attributes.sort(key=lambda m: m.start)
        taken += [(m.start, m.end) for m in attributes]
        return Scan(text=text, quoted=quoted, titles=titles, roles=claimed_roles(text, titles, lang),
                    attributes=attributes, numbers=find_numbers(text, taken), facts=facts, taken=taken,
                    index=self.index)

    def _form(self, text: str, lang: Lang, finish_reason: str | None, scan: Scan | None) -> list[Rejection]:
        whole = (text, 0, len(text))
        if scan is None:
            return [Rejection(kind=RejectionKind.EMPTY, span=text, start=0, end=len(text),
                              detail="expected one or two sentences")]
        out = []
        limit = self.max_chars.get(lang, DEFAULT_MAX_CHARS[Lang.EN])
        titles = [m for m in scan.quoted] + [m for m in scan.titles if not m.quoted]
        length = len(text) - sum(m.end - m.start - _TITLE_CHARS for m in titles)
        tail = text.rstrip(_PUNCT)
        if finish_reason == "length":
            out.append(_reject(RejectionKind.TOO_LONG, *whole, "cut off at the token limit; expected a finished "
                                                                "sentence"))
        elif length > limit:
            out.append(_reject(RejectionKind.TOO_LONG, *whole,
                               f"{length} characters (a title counts as {_TITLE_CHARS}); expected at most {limit}"))
        elif (dangling := _DANGLING.search(tail, max(0, len(tail) - 12))) and not _RELATIVE.search(
                tail, max(0, dangling.start() - 16), dangling.start()):
            out.append(_reject(RejectionKind.INCOMPLETE, dangling.group(0), dangling.start(), dangling.end(),
                               "the sentence stops before it says why; expected a finished sentence"))
        out += [_reject(RejectionKind.PROMPT_ECHO, m.group(0), m.start(), m.end(),
                        "a copy of the instructions; expected an answer to them")
                for m in PROMPT_ECHO[lang].finditer(text)]
        named = [(m.start, m.end) for m in [*titles, *scan.attributes]]
        outside = _OUTSIDE_QUOTES.sub("", blank(text, named))
        cjk = len(_CJK.findall(outside))
        latin = len(_LATIN.findall(outside))
        if lang is Lang.ZH and (cjk < 4 or cjk < 0.3 * (cjk + latin)):
            out.append(_reject(RejectionKind.WRONG_LANGUAGE, *whole,
                               f"Chinese was asked; found {cjk} Chinese characters and {latin} Latin letters"))
        if lang is Lang.EN and cjk:
            out.append(_reject(RejectionKind.WRONG_LANGUAGE, *whole,
                               f"English was asked; found {cjk} Chinese characters"))
        return out

    def _facts(self, scan: Scan, lang: Lang, also_allowed: str, deadline: float) -> list[Rejection]:
        text = scan.text
        allowed_numbers = frozenset(n.value for n in self._numbers_of(also_allowed)) if also_allowed else frozenset()
        stages: list[Callable[[], Iterable[Finding]]] = [
            lambda: title_findings(scan, self.index),
            lambda: role_findings(scan, lang),
            lambda: attribute_findings(scan),
            lambda: number_findings(scan, allowed_numbers),
            lambda: claim_findings(scan, lang),
            lambda: action_findings(text, scan.titles, [(m.start, m.end) for m in [*scan.quoted, *scan.titles]],
                                    [(m.start, m.end) for m in scan.attributes], scan.facts, lang),
            lambda: self._names(scan, lang, found=bool(out)),
        ]
        out: list[Rejection] = []
        for stage in stages:
            if time.perf_counter() > deadline:
                out.append(_reject(RejectionKind.GUARD_TIMEOUT, text, 0, len(text),
                                   f"the check overran its {self.budget_ms:g} ms budget; the text is not kept"))
                break
            out += [_reject(RejectionKind(kind), text[start:end], start, end, detail)
                    for kind, start, end, detail in stage()]
        return out

    def _names(self, scan: Scan, lang: Lang, *, found: bool) -> list[tuple[str, int, int, str]]:
        """Invented names; then, when nothing else was `found`, words no reason uses (`whyrec.llm.vocabulary`)."""
        taken = scan.taken + [(m.start, m.end) for m in scan.quoted]
        taken += [(n.start, n.end) for n in scan.numbers if n.kind is NumberKind.STARS]  # 五星 is a rating, no name
        words: list[tuple[int, str, str]] = []
        if lang is Lang.EN:
            names = list(capitalised_runs(scan.text, taken))
        else:
            blanked = blank(scan.text, taken)
            words = self.chinese_names.segment(blanked) if _CJK.search(blanked) else []
            names = self.chinese_names.find(blanked, words)
        out = [("invented_name", m.start, m.end, "a name that is neither a title nor an attribute in the evidence")
               for m in names if not name_allowed(m.text, scan)]
        if words:
            out += untagged_chinese_titles(scan, self.chinese_names, words)
        if not out and not found:
            # the catch-all, reported only when no specific check found anything (a clearer reason)
            spans = taken + [(n.start, n.end) for n in scan.numbers]
            out = [("unsupported_claim", start, end, f"{word!r} is no word of a reason: the evidence cannot back it")
                   for start, end, word in unknown_words(scan.text, lang, spans, scan.fact_words.casefold(), words)]
        return out

    def _numbers_of(self, text: str) -> list[StatedNumber]:
        toks = tokens(text)
        quoted = [m for m in self.index.quoted(text) if m.items]
        taken = [(m.start, m.end) for m in quoted]
        taken += [(m.start, m.end) for m in self.index.unquoted_titles(text, toks, frozenset(), taken)]
        return find_numbers(text, taken)


def _template_words() -> set[str]:
    """The Chinese words of whyrec's own templates (never foreign names)."""
    pieces: set[str] = set()
    for value in vars(zh.TEMPLATES).values():
        strings = value.values() if isinstance(value, Mapping) else [value]
        for string in strings:
            if isinstance(string, str):
                pieces |= set(re.findall(r"[\u4e00-\u9fff]{2,}", re.sub(r"\{[^}]*\}", " ", string)))
    return pieces


def _reject(kind: RejectionKind, span: str, start: int, end: int, detail: str) -> Rejection:
    return Rejection(kind=kind, span=span, start=start, end=end, detail=detail)
