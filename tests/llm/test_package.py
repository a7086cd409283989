"""The public surface of whyrec.llm and the doctests of its pure helpers."""

from __future__ import annotations

import doctest
import subprocess
import sys

import whyrec.explain.text.mentions.numbers
import whyrec.explain.text.mentions.titles
import whyrec.llm
from whyrec.errors import WhyrecError


def test_exported_members() -> None:
    assert [name for name in whyrec.llm.__all__ if not hasattr(whyrec.llm, name)] == []
    assert {"rewrite", "FaithfulnessGuard", "OpenAICompatibleClient", "LLMConfig"} <= set(whyrec.llm.__all__)
    for name in ("LLMError", "LLMUnavailableError", "LLMTimeoutError", "LLMResponseError"):
        assert issubclass(getattr(whyrec.llm, name), WhyrecError)


def test_mention_doctests() -> None:
    assert doctest.testmod(whyrec.explain.text.mentions.titles).failed == 0
    assert doctest.testmod(whyrec.explain.text.mentions.numbers).failed == 0


def test_the_mention_scanner_imports_no_llm_client() -> None:
    code = ("import sys, whyrec.explain, whyrec.explain.text.mentions; "
            "print(sorted(m for m in sys.modules if m == 'httpx' or m.startswith('whyrec.llm')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
