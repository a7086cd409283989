"""Rewrite an explanation's template sentence with an LLM, keeping the LLM's text only if the guard accepts it.

Every outcome is visible on the Reason: ``source=LLM`` when the LLM's sentence passed; otherwise the template
sentence with ``rejected`` set to the guard's first reason, ``"timeout"`` or ``"unavailable"`` (or
``"bad_response"``), and ``llm_model`` naming the model that was asked.
"""

from __future__ import annotations

import logging
import time

from pydantic import BaseModel, ConfigDict

from whyrec.data.catalog import Catalog
from whyrec.errors import LLMError, LLMTimeoutError, LLMUnavailableError
from whyrec.explain.explanation import Explanation, Lang, Reason, TextSource
from whyrec.explain.text import Domain, infer_domain, realize
from whyrec.llm.chat import ChatClient
from whyrec.llm.guard import FaithfulnessGuard, Verdict
from whyrec.llm.prompt import build_messages

__all__ = ["DEFAULT_MAX_TOKENS", "RewriteResult", "llm_reason", "rewrite"]

logger = logging.getLogger(__name__)

#: Enough for one sentence of about 30 words.
DEFAULT_MAX_TOKENS = 64


class RewriteResult(BaseModel):
    """What one rewrite did.

    Attributes:
        reason: the sentence to show (the LLM's when accepted, else the template's).
        verdict: the guard's verdict, None when the LLM gave no text (timeout, unavailable, bad response).
        llm_text: the LLM's text as written (also when rejected), None when it gave none.
        elapsed_ms: wall time of the whole rewrite.
    """

    model_config = ConfigDict(frozen=True)

    reason: Reason
    verdict: Verdict | None
    llm_text: str | None
    elapsed_ms: float


def llm_reason(explanation: Explanation, catalog: Catalog, client: ChatClient, lang: Lang | str = Lang.EN, *,
               guard: FaithfulnessGuard | None = None, max_tokens: int = DEFAULT_MAX_TOKENS) -> RewriteResult:
    """The reason to show, with the guard's verdict and the LLM's own text.

    Args:
        explanation: what to explain.
        catalog: titles and attributes of its items.
        client: the chat client (its own time budget bounds the wait).
        lang: the language of the sentence.
        guard: a guard built for `catalog` (pass one when rewriting many explanations; it indexes the catalog).
        max_tokens: most tokens the LLM may write.
    """
    started = time.perf_counter()
    language = Lang(lang)
    template = realize(explanation, catalog, language)
    guard = guard or FaithfulnessGuard(catalog)
    noun = "movie" if infer_domain(catalog) is Domain.FILMS else "product"
    messages = build_messages(explanation, catalog, language, noun=noun)
    try:
        # one sentence is asked for: what a small model adds after a line break is chatter about the task
        completion = client.complete(messages, max_tokens=max_tokens, temperature=0.0, stop=("\n",))
    except LLMError as e:
        why = ("timeout" if isinstance(e, LLMTimeoutError) else "unavailable" if isinstance(e, LLMUnavailableError)
               else "bad_response")
        logger.warning("LLM rewrite fell back to the template (%s): %s", why, e)
        return RewriteResult(reason=template.model_copy(update={"llm_model": client.model, "rejected": why}),
                             verdict=None, llm_text=None, elapsed_ms=_since(started))
    text = completion.text.strip()  # line breaks end sentences for the guard; the reader gets one line
    verdict = guard.check(text, explanation, language, finish_reason=completion.finish_reason,
                          also_allowed=template.text)
    if verdict.accepted:
        reason = Reason(text=" ".join(text.split()), lang=language, source=TextSource.LLM, llm_model=completion.model)
    else:
        logger.debug("LLM text rejected (%s): %r", "; ".join(map(str, verdict.reasons)), text)
        reason = template.model_copy(update={"llm_model": completion.model, "rejected": str(verdict.reasons[0])})
    return RewriteResult(reason=reason, verdict=verdict, llm_text=completion.text, elapsed_ms=_since(started))


def rewrite(explanation: Explanation, catalog: Catalog, client: ChatClient, lang: Lang | str = Lang.EN, *,
            guard: FaithfulnessGuard | None = None, max_tokens: int = DEFAULT_MAX_TOKENS) -> Explanation:
    """The explanation with its ``reason`` set: the LLM's sentence if the guard accepts it, else the template's.

    Never waits longer than the client's time budget; an unreachable server gives the template sentence.

    Example:
        >>> client = OpenAICompatibleClient(LLMConfig.from_env())  # doctest: +SKIP
        >>> rewrite(explanation, dataset.catalog, client, "en").reason.source  # doctest: +SKIP
        <TextSource.LLM: 'llm'>
    """
    result = llm_reason(explanation, catalog, client, lang, guard=guard, max_tokens=max_tokens)
    return explanation.model_copy(update={"reason": result.reason})


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
