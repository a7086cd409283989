"""The LLM layer: an OpenAI-compatible client, a local model server, and a guard that keeps LLM text faithful.

``rewrite(explanation, catalog, client, lang)`` asks the LLM for one personalised sentence built from the
explanation's evidence only, checks every title, attribute, name and number in it against that evidence, and
falls back to the template sentence (recording why) when the check fails or the server is unavailable.
"""

from whyrec.errors import LLMError, LLMResponseError, LLMTimeoutError, LLMUnavailableError
from whyrec.llm.cache import PromptCache
from whyrec.llm.chat import ChatClient, ChatCompletion, ChatMessage
from whyrec.llm.client import OpenAICompatibleClient
from whyrec.llm.config import LLMConfig
from whyrec.llm.guard import FaithfulnessGuard, Rejection, RejectionKind, Verdict
from whyrec.llm.prompt import build_messages
from whyrec.llm.rewrite import RewriteResult, llm_reason, rewrite
from whyrec.llm.rewriter import GuardedRewriter

__all__ = [
    "ChatClient",
    "ChatCompletion",
    "ChatMessage",
    "FaithfulnessGuard",
    "GuardedRewriter",
    "LLMConfig",
    "LLMError",
    "LLMResponseError",
    "LLMTimeoutError",
    "LLMUnavailableError",
    "OpenAICompatibleClient",
    "PromptCache",
    "Rejection",
    "RejectionKind",
    "RewriteResult",
    "Verdict",
    "build_messages",
    "llm_reason",
    "rewrite",
]
