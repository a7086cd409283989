"""Rewrite an explanation's template sentence with an LLM, keeping the LLM's text only if the guard accepts it.

By default generation is grounded (:mod:`whyrec.llm.slots`): the model writes a sentence with slot markers
and whyrec fills in the titles and values; ``grounded=False`` asks for free text instead (the older prompt of
:mod:`whyrec.llm.prompt`). Either way the guard judges the text shown. Every outcome is visible on the
Reason: ``source=LLM`` when the LLM's sentence passed; otherwise the template sentence with ``rejected`` set to
the first reason (a guard rejection, ``slots: ...`` for an answer that did not fit the slots, ``"timeout"``,
``"unavailable"`` or ``"bad_response"``), and ``llm_model`` naming the model that was asked.

The time budget: the client's own budget bounds the call; the guard's check has a budget of its own (see
:class:`~whyrec.llm.guard.FaithfulnessGuard`), cut to what is left of ``time_budget_s`` when one is given.
"""

from __future__ import annotations

import logging
import time

from pydantic import BaseModel, ConfigDict

from whyrec.data.catalog import Catalog
from whyrec.errors import LLMError, LLMTimeoutError, LLMUnavailableError
from whyrec.explain.explanation import Explanation, Lang, Reason, TextSource
from whyrec.explain.text import infer_domain, realize
from whyrec.llm.chat import ChatClient, ChatCompletion
from whyrec.llm.guard import FaithfulnessGuard, Verdict
from whyrec.llm.prompt import build_messages
from whyrec.llm.slots import SLOT_SCHEMA, VERBS, evidence_slots, fill, slot_messages

__all__ = ["DEFAULT_MAX_TOKENS", "RewriteResult", "llm_reason", "rewrite"]

logger = logging.getLogger(__name__)

#: Enough for one sentence of about 30 words.
DEFAULT_MAX_TOKENS = 64


class RewriteResult(BaseModel):
    """What one rewrite did.

    Attributes:
        reason: the sentence to show (the LLM's when accepted, else the template's).
        verdict: the guard's verdict, None when there was no text to judge (no answer, or one that did not fit
            the slots).
        llm_text: the LLM's text as written (also when rejected), None when it gave none.
        filled: the grounded sentence after whyrec filled the slots (None in free-text mode or when refused).
        elapsed_ms: wall time of the whole rewrite.
    """

    model_config = ConfigDict(frozen=True)

    reason: Reason
    verdict: Verdict | None
    llm_text: str | None
    filled: str | None = None
    elapsed_ms: float


def llm_reason(explanation: Explanation, catalog: Catalog, client: ChatClient, lang: Lang | str = Lang.EN, *,
               guard: FaithfulnessGuard | None = None, max_tokens: int = DEFAULT_MAX_TOKENS, grounded: bool = True,
               structured: bool = False, time_budget_s: float | None = None) -> RewriteResult:
    """The reason to show, with the guard's verdict and the LLM's own text.

    Args:
        explanation: what to explain.
        catalog: titles and attributes of its items.
        client: the chat client (its own time budget bounds the wait).
        lang: the language of the sentence.
        guard: a guard built for `catalog` (pass one when rewriting many explanations; it indexes the catalog).
        max_tokens: most tokens the LLM may write.
        grounded: ask for a sentence with slot markers and fill them (default); False asks for free text.
        structured: send :data:`~whyrec.llm.slots.SLOT_SCHEMA` as ``response_format`` (servers that honour it:
            OpenAI, vLLM, llama.cpp, Ollama); the answer is parsed the same way either way.
        time_budget_s: the whole rewrite's budget; the guard gets what the LLM call left of it (at most its own).
    """
    started = time.perf_counter()
    language = Lang(lang)
    template = realize(explanation, catalog, language)
    guard = guard or FaithfulnessGuard(catalog)
    domain = infer_domain(catalog)
    slots = evidence_slots(explanation, catalog, language) if grounded else []
    if grounded:
        verb = VERBS[domain][language is Lang.ZH]
        messages = slot_messages(slots, language, verb=verb)
    else:
        noun = "movie" if domain.value == "films" else "product"
        messages = build_messages(explanation, catalog, language, noun=noun)
    try:
        # one sentence is asked for: what a small model adds after a line break is chatter about the task
        completion = client.complete(messages, max_tokens=max_tokens, temperature=0.0, stop=("\n",),
                                     response_format=SLOT_SCHEMA if grounded and structured else None)
    except LLMError as e:
        why = ("timeout" if isinstance(e, LLMTimeoutError) else "unavailable" if isinstance(e, LLMUnavailableError)
               else "bad_response")
        logger.warning("LLM rewrite fell back to the template (%s): %s", why, e)
        return RewriteResult(reason=template.model_copy(update={"llm_model": client.model, "rejected": why}),
                             verdict=None, llm_text=None, elapsed_ms=_since(started))
    text, filled = completion.text.strip(), None
    if grounded:
        instructions = messages[0].content + "\n" + messages[-1].content
        outcome = fill(text, slots, instructions)
        if outcome.text is None:
            logger.debug("LLM answer did not fit the slots (%s): %r", outcome.refused, text)
            reason = template.model_copy(
                update={"llm_model": completion.model, "rejected": f"slots: {outcome.refused}"})
            return RewriteResult(reason=reason, verdict=None, llm_text=completion.text, elapsed_ms=_since(started))
        text = filled = outcome.text
    return _judged(text, filled, completion, explanation, language, guard, template, started, time_budget_s)


def _judged(text: str, filled: str | None, completion: ChatCompletion, explanation: Explanation, lang: Lang,
            guard: FaithfulnessGuard, template: Reason, started: float, time_budget_s: float | None) -> RewriteResult:
    budget_ms = guard.budget_ms
    if time_budget_s is not None:
        budget_ms = max(0.0, min(budget_ms, time_budget_s * 1000 - _since(started)))
    verdict = guard.check(text, explanation, lang, finish_reason=completion.finish_reason,
                          also_allowed=template.text, budget_ms=budget_ms)
    if verdict.accepted:
        reason = Reason(text=" ".join(text.split()), lang=lang, source=TextSource.LLM, llm_model=completion.model)
    else:
        logger.debug("LLM text rejected (%s): %r", "; ".join(map(str, verdict.reasons)), text)
        reason = template.model_copy(update={"llm_model": completion.model, "rejected": str(verdict.reasons[0])})
    return RewriteResult(reason=reason, verdict=verdict, llm_text=completion.text, filled=filled,
                         elapsed_ms=_since(started))


def rewrite(explanation: Explanation, catalog: Catalog, client: ChatClient, lang: Lang | str = Lang.EN, *,
            guard: FaithfulnessGuard | None = None, max_tokens: int = DEFAULT_MAX_TOKENS, grounded: bool = True,
            structured: bool = False, time_budget_s: float | None = None) -> Explanation:
    """The explanation with its ``reason`` set: the LLM's sentence if the guard accepts it, else the template's.

    Never waits longer than the client's time budget (plus the guard's, or within `time_budget_s` when given);
    an unreachable server gives the template sentence. The arguments are :func:`llm_reason`'s.

    Example:
        >>> client = OpenAICompatibleClient(LLMConfig.from_env())  # doctest: +SKIP
        >>> rewrite(explanation, dataset.catalog, client, "en").reason.source  # doctest: +SKIP
        <TextSource.LLM: 'llm'>
    """
    result = llm_reason(explanation, catalog, client, lang, guard=guard, max_tokens=max_tokens, grounded=grounded,
                        structured=structured, time_budget_s=time_budget_s)
    return explanation.model_copy(update={"reason": result.reason})


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
