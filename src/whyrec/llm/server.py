"""An OpenAI-compatible HTTP face for an in-process model: ``POST /v1/chat/completions``, ``GET /v1/models``.

``whyrec llm serve`` runs it with the local SmolLM2 model, so the local and a remote model go through the
same client, cache and guard.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Literal, Protocol

from fastapi import FastAPI, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from whyrec.llm.chat import ChatMessage
from whyrec.llm.local import Generation

__all__ = ["ChatBackend", "ChatCompletionRequest", "create_app", "serve"]

logger = logging.getLogger(__name__)


class ChatBackend(Protocol):
    """A model that the server can expose (``LocalChatModel`` is one)."""

    name: str

    def generate(self, messages: Sequence[ChatMessage], *, max_tokens: int = 120, temperature: float = 0.0,
                 stop: Sequence[str] = ()) -> Generation:
        """Continue the chat, ending before any `stop` string."""
        ...


class ChatCompletionRequest(BaseModel):
    """The fields of an OpenAI chat-completions request that the server honours (others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    model: str = ""
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1, le=2048)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=2048)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    stop: str | list[str] | None = None
    stream: Literal[False] = False

    @property
    def stop_strings(self) -> tuple[str, ...]:
        """``stop`` as a tuple (OpenAI accepts one string or a list)."""
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop or ())


def create_app(backend: ChatBackend, *, default_max_tokens: int = 120) -> FastAPI:
    """Build the FastAPI app around one model.

    Generations are serialised with a lock (one model, one set of CPU threads); requests wait their turn.

    Args:
        backend: the model.
        default_max_tokens: used when a request gives no ``max_tokens``.
    """
    app = FastAPI(title="whyrec local LLM", version="1")
    lock = threading.Lock()

    def _generate(request: ChatCompletionRequest) -> Generation:
        with lock:
            return backend.generate(request.messages,
                                    max_tokens=request.max_tokens or request.max_completion_tokens
                                    or default_max_tokens,
                                    temperature=request.temperature, stop=request.stop_strings)

    @app.get("/v1/models")
    def models() -> dict[str, object]:
        return {"object": "list", "data": [{"id": backend.name, "object": "model", "owned_by": "whyrec"}]}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: ChatCompletionRequest) -> dict[str, object]:
        if request.model and request.model != backend.name:
            raise HTTPException(404, f"model {request.model!r} is not served here; this server has {backend.name!r}.")
        generation = await run_in_threadpool(_generate, request)
        logger.info("generated %d tokens in %.0f ms", generation.completion_tokens, generation.elapsed_ms)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": backend.name,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": generation.text},
                         "finish_reason": generation.finish_reason}],
            "usage": {"prompt_tokens": generation.prompt_tokens, "completion_tokens": generation.completion_tokens,
                      "total_tokens": generation.prompt_tokens + generation.completion_tokens},
        }

    return app


def serve(backend: ChatBackend, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve `backend` with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(backend), host=host, port=port, log_level="info")
