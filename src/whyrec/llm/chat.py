"""Chat messages and completions, and the protocol every chat client follows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

__all__ = ["ChatClient", "ChatCompletion", "ChatMessage"]


class ChatMessage(BaseModel):
    """One message of a chat.

    Attributes:
        role: who speaks.
        content: what is said.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str


class ChatCompletion(BaseModel):
    """The first choice of a chat completion.

    Attributes:
        text: the assistant's message.
        model: the model that answered (as the server names it).
        finish_reason: ``stop``, ``length``... as the server says (None when it does not).
        elapsed_ms: wall time of the call, retries included (0 when served from the cache).
        cached: whether it came from the on-disk cache.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    model: str
    finish_reason: str | None = None
    elapsed_ms: float = 0.0
    cached: bool = False


@runtime_checkable
class ChatClient(Protocol):
    """Anything that completes a chat: the HTTP client, or a test double."""

    @property
    def model(self) -> str:
        """The model name asked."""
        ...

    def complete(self, messages: Sequence[ChatMessage], *, max_tokens: int = 120, temperature: float = 0.0,
                 stop: Sequence[str] = (), response_format: Mapping[str, object] | None = None) -> ChatCompletion:
        """Complete the chat (ending before any `stop` string, in `response_format` when given); raises
        LLMUnavailableError or LLMResponseError."""
        ...
