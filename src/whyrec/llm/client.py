"""An OpenAI-compatible chat-completions client on httpx: time budget, retries, concurrency limit, disk cache.

Every server that speaks ``POST /v1/chat/completions`` works: OpenAI, Ollama, vLLM, the llama.cpp server and
``whyrec llm serve`` (see docs/concepts/llm.md).
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Sequence

import httpx
from pydantic import BaseModel, ValidationError

from whyrec.errors import LLMResponseError, LLMTimeoutError, LLMUnavailableError
from whyrec.llm.cache import PromptCache, request_key
from whyrec.llm.chat import ChatCompletion, ChatMessage
from whyrec.llm.config import LLMConfig

__all__ = ["OpenAICompatibleClient"]

logger = logging.getLogger(__name__)

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message
    finish_reason: str | None = None


class _Body(BaseModel):
    """The part of an OpenAI chat-completion body we read."""

    model: str | None = None
    choices: list[_Choice]


class OpenAICompatibleClient:
    """Calls ``{base_url}/chat/completions`` and returns the first choice.

    One ``complete`` call never takes longer than ``config.timeout_s``: each attempt gets what is left of the
    budget, and a wait (exponential backoff, or the server's ``Retry-After``) that would overrun it ends the
    call instead. At most ``config.max_concurrency`` requests are in flight at once, over all threads.

    Args:
        config: server, model, key and patience.
        cache: where to keep answers; default: :class:`PromptCache` in the whyrec cache when
            ``config.cache`` is true, else none.
        transport: an httpx transport (for tests that need no server); default: real HTTP.

    Example:
        >>> client = OpenAICompatibleClient(LLMConfig.from_env())  # doctest: +SKIP
        >>> client.complete([ChatMessage(role="user", content="Say hi")]).text  # doctest: +SKIP
        'Hi!'
    """

    def __init__(self, config: LLMConfig, *, cache: PromptCache | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.cache = cache if cache is not None else (PromptCache() if config.cache else None)
        headers = {"Content-Type": "application/json"}
        if config.api_key is not None:
            headers["Authorization"] = f"Bearer {config.api_key.get_secret_value()}"
        self._http = httpx.Client(headers=headers, transport=transport, timeout=config.timeout_s)
        self._slots = threading.BoundedSemaphore(config.max_concurrency)

    @property
    def model(self) -> str:
        """The model name sent with each request."""
        return self.config.model

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> OpenAICompatibleClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int = 120, temperature: float = 0.0,
                 stop: Sequence[str] = ()) -> ChatCompletion:
        """Ask the model to continue the chat.

        Args:
            messages: the chat so far (system, user...).
            max_tokens: most tokens to generate.
            temperature: 0 = greedy; only such answers are cached (the same question gives the same answer).
            stop: strings that end the answer (OpenAI ``stop``; the server leaves them out).

        Returns:
            The first choice, with the wall time of the call.

        Raises:
            LLMTimeoutError: the time budget ran out (the URL is in the message).
            LLMUnavailableError: connection refused or 429/5xx after every retry.
            LLMResponseError: another status, or a body without a text choice.
        """
        chat = [m.model_dump() for m in messages]
        params: dict[str, object] = {"max_tokens": max_tokens, "temperature": temperature}
        if stop:
            params["stop"] = list(stop)
        key = request_key(str(self.config.base_url), self.config.model, chat, params)
        cache = self.cache if temperature == 0 else None  # a sampled answer is one draw, not the answer
        if cache is not None and (hit := cache.get(key)) is not None:
            return hit.model_copy(update={"cached": True, "elapsed_ms": 0.0})
        payload = {"model": self.config.model, "messages": chat, **params, "stream": False}
        started = time.monotonic()
        deadline = started + self.config.timeout_s
        response = self._post_with_retries(payload, deadline)
        completion = self._parse(response)
        completion = completion.model_copy(update={"elapsed_ms": (time.monotonic() - started) * 1000})
        if cache is not None:
            cache.put(key, completion)
        return completion

    def _post_with_retries(self, payload: dict[str, object], deadline: float) -> httpx.Response:
        url = self.config.endpoint
        attempt = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timeout(url)
            try:
                response = self._post_once(payload, left, deadline)
            except httpx.TimeoutException as e:
                raise self._timeout(url) from e
            except httpx.TransportError as e:
                failure: LLMUnavailableError = LLMUnavailableError(
                    f"cannot reach the LLM server at {url}: {e or type(e).__name__}. Expected an OpenAI-compatible "
                    "server there; start one (`whyrec llm serve`) or fix WHYREC_LLM_BASE_URL.", url=url)
                wait = self._backoff(attempt)
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in _RETRY_STATUSES:
                    raise LLMResponseError(
                        f"the LLM server at {url} answered {response.status_code}: {_excerpt(response.text)}. "
                        "Expected 200 with a chat completion; check the model name and the API key.",
                        url=url, status=response.status_code)
                failure = LLMUnavailableError(
                    f"the LLM server at {url} answered {response.status_code} "
                    f"{attempt + 1} time{'s' if attempt else ''}: {_excerpt(response.text)}. "
                    "It is overloaded or down; try again later or raise max_retries.",
                    url=url, status=response.status_code)
                wait = _retry_after(response) or self._backoff(attempt)
            if attempt >= self.config.max_retries:
                raise failure
            wait = min(wait, self.config.max_backoff_s)
            if time.monotonic() + wait >= deadline:
                raise self._timeout(url) from failure
            logger.debug("LLM call failed (%s); retry %d in %.2f s", failure, attempt + 1, wait)
            time.sleep(wait)
            attempt += 1

    def _post_once(self, payload: dict[str, object], left: float, deadline: float) -> httpx.Response:
        # waiting for a free slot counts against the same budget as the request itself
        if not self._slots.acquire(timeout=left):
            raise httpx.PoolTimeout("no free concurrency slot")
        try:
            left = max(deadline - time.monotonic(), 1e-3)
            return self._http.post(self.config.endpoint, json=payload, timeout=httpx.Timeout(left))
        finally:
            self._slots.release()

    def _backoff(self, attempt: int) -> float:
        return float(self.config.backoff_s * 2**attempt)

    def _timeout(self, url: str) -> LLMTimeoutError:
        return LLMTimeoutError(f"the LLM server at {url} did not answer within {self.config.timeout_s:g} s. "
                               "Expected a reply in time; raise timeout_s (WHYREC_LLM_TIMEOUT_S) or use a faster "
                               "model.", url=url)

    def _parse(self, response: httpx.Response) -> ChatCompletion:
        url = self.config.endpoint
        try:
            body = _Body.model_validate_json(response.content)
        except ValidationError as e:
            raise LLMResponseError(
                f"the LLM server at {url} sent a body that is not a chat completion: {_excerpt(response.text)}. "
                "Expected JSON with choices[0].message.content; is the base URL an OpenAI-compatible /v1 root?",
                url=url, status=response.status_code) from e
        if not body.choices or body.choices[0].message.content is None:
            raise LLMResponseError(
                f"the LLM server at {url} sent no text choice: {_excerpt(response.text)}. "
                "Expected choices[0].message.content.", url=url, status=response.status_code)
        choice = body.choices[0]
        return ChatCompletion(text=choice.message.content or "", model=body.model or self.config.model,
                              finish_reason=choice.finish_reason)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or an HTTP date), else None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "...")
