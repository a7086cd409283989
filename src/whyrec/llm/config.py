"""Settings of the OpenAI-compatible client: typed, frozen, readable from ``WHYREC_LLM_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
)

from whyrec.errors import ConfigError

__all__ = ["ENV_PREFIX", "LLMConfig"]

#: Environment variables read by :meth:`LLMConfig.from_env` are this prefix + the field name in capitals.
ENV_PREFIX = "WHYREC_LLM_"


class LLMConfig(BaseModel):
    """Where the chat-completions server is and how patiently to call it.

    Example:
        >>> LLMConfig(base_url="http://127.0.0.1:8765/v1", model="SmolLM2-135M-Instruct").endpoint
        'http://127.0.0.1:8765/v1/chat/completions'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: AnyHttpUrl
    """The API root, ending in ``/v1`` for every server we know (OpenAI, Ollama, vLLM, llama.cpp)."""
    model: str = Field(min_length=1)
    """The model name the server knows (``gpt-4o-mini``, ``qwen2.5:0.5b``, ``SmolLM2-135M-Instruct``)."""
    api_key: SecretStr | None = None
    """Sent as ``Authorization: Bearer ...``; local servers need none."""
    timeout_s: PositiveFloat = 30.0
    """Time budget of one ``complete`` call, retries and waits included: it never blocks longer."""
    max_retries: NonNegativeInt = 2
    """Retries after a 429, a 5xx or a connection error (so at most ``max_retries + 1`` requests)."""
    backoff_s: PositiveFloat = 0.5
    """First wait between attempts; it doubles each time, unless the server sends ``Retry-After``."""
    max_backoff_s: PositiveFloat = 8.0
    """Longest single wait (``Retry-After`` included)."""
    max_concurrency: PositiveInt = 4
    """Requests in flight at once from one client, over all threads."""
    cache: bool = True
    """Keep answers on disk, keyed by (base URL, model, messages, parameters)."""

    @property
    def endpoint(self) -> str:
        """The chat-completions URL."""
        return f"{str(self.base_url).rstrip('/')}/chat/completions"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> LLMConfig:
        """Read ``WHYREC_LLM_BASE_URL``, ``WHYREC_LLM_MODEL``, ``WHYREC_LLM_API_KEY`` (and the other fields).

        Args:
            environ: the variables to read (default ``os.environ``).
            **overrides: values that win over the environment (CLI flags); None values are ignored.

        Raises:
            ConfigError: a variable is missing or invalid; the message names it.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name in cls.model_fields:
            key = ENV_PREFIX + name.upper()
            if env.get(key):
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        for required in ("base_url", "model"):
            if required not in values:
                raise ConfigError(
                    f"{ENV_PREFIX}{required.upper()} is not set. Expected the LLM server's "
                    f"{'API root, e.g. http://127.0.0.1:8765/v1' if required == 'base_url' else 'model name'}; "
                    "set the variable, or pass the option on the command line.",
                    source="environment", field=required)
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            first = e.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {first['msg']} (got {first.get('input')!r}).",
                              source="environment", field=field) from e
