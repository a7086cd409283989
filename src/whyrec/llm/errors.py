"""Errors of the LLM layer (all under :class:`whyrec.errors.WhyrecError`).

::

    WhyrecError
    └── LLMError
        ├── LLMUnavailableError     connect error, timeout or 429/5xx after every retry   .url .status
        │   └── LLMTimeoutError     the call ran out of its time budget
        └── LLMResponseError        a non-retryable status, or a body that is not a chat completion   .url .status

A text that the faithfulness guard rejects is not an error: it is recorded in ``Reason.rejected``.
"""

from __future__ import annotations

from whyrec.errors import WhyrecError

__all__ = ["LLMError", "LLMResponseError", "LLMTimeoutError", "LLMUnavailableError"]


class LLMError(WhyrecError):
    """Base class of the LLM layer's errors.

    Attributes:
        url: the endpoint that was called.
        status: the last HTTP status received, or None when no response came.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class LLMUnavailableError(LLMError):
    """The server could not be reached, or kept answering 429/5xx until the retries ran out."""


class LLMTimeoutError(LLMUnavailableError):
    """The call did not finish within the client's time budget (``timeout_s``)."""


class LLMResponseError(LLMError):
    """The server answered, but with a non-retryable status or a body that is not a chat completion."""
