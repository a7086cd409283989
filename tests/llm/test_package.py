"""The public surface of whyrec.llm and the doctests of its pure helpers."""

from __future__ import annotations

import doctest

import whyrec.llm
import whyrec.llm.titles
from whyrec.errors import WhyrecError


def test_exported_members() -> None:
    assert [name for name in whyrec.llm.__all__ if not hasattr(whyrec.llm, name)] == []
    assert {"rewrite", "FaithfulnessGuard", "OpenAICompatibleClient", "LLMConfig"} <= set(whyrec.llm.__all__)
    for name in ("LLMError", "LLMUnavailableError", "LLMTimeoutError", "LLMResponseError"):
        assert issubclass(getattr(whyrec.llm, name), WhyrecError)


def test_title_doctests() -> None:
    assert doctest.testmod(whyrec.llm.titles).failed == 0
