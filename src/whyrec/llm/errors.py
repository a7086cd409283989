"""Errors of the LLM layer; defined with every other error in :mod:`whyrec.errors` and re-exported here.

A text that the faithfulness guard rejects is not an error: it is recorded in ``Reason.rejected``.
"""

from __future__ import annotations

from whyrec.errors import LLMError, LLMResponseError, LLMTimeoutError, LLMUnavailableError

__all__ = ["LLMError", "LLMResponseError", "LLMTimeoutError", "LLMUnavailableError"]
