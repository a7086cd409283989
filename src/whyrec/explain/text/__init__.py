"""Readable reasons: explanations rendered as one or two sentences (English, Simplified Chinese).

``realize(explanation, catalog, lang)`` fills per-language template tables with the explanation's own
evidence; ``unsupported_mentions`` lists any title, attribute value or number in a text that the evidence does
not back (the entity-faithfulness check, usable on any text, an LLM's included).
"""

from whyrec.explain.text.mentions import Mentions, allowed_mentions, find_mentions, unsupported_mentions
from whyrec.explain.text.realize import infer_domain, realize
from whyrec.explain.text.templates import Domain, Templates

__all__ = ["Domain", "Mentions", "Templates", "allowed_mentions", "find_mentions", "infer_domain", "realize",
           "unsupported_mentions"]
