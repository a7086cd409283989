"""`GuardedRewriter`: the LLM rewrite behind the faithfulness guard, as the explanation pipeline calls it."""

from __future__ import annotations

from whyrec.data.catalog import Catalog
from whyrec.explain.explanation import Explanation, Lang
from whyrec.llm.chat import ChatClient
from whyrec.llm.guard import FaithfulnessGuard
from whyrec.llm.rewrite import rewrite

__all__ = ["GuardedRewriter"]


class GuardedRewriter:
    """Rewrites each reason with `client`, keeping the LLM's text only when the guard passes it.

    Implements `whyrec.explain.pipeline.ReasonRewriter`; one guard is built per catalog and reused.

    Args:
        catalog: the catalog the explanations' items come from.
        client: the chat client (e.g. `OpenAICompatibleClient`).
    """

    def __init__(self, catalog: Catalog, client: ChatClient) -> None:
        self.catalog = catalog
        self.client = client
        self.guard = FaithfulnessGuard(catalog)

    def rewrite(self, explanation: Explanation, lang: Lang) -> Explanation:
        """The explanation with its reason: the LLM's sentence if the guard accepts it, else the template's."""
        return rewrite(explanation, self.catalog, self.client, lang, guard=self.guard)
