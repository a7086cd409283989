"""An on-disk cache of chat completions, one small JSON file per request."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from whyrec.llm.chat import ChatCompletion

__all__ = ["PromptCache", "default_cache_dir", "request_key"]

logger = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """``<whyrec cache>/llm`` (``WHYREC_CACHE_DIR`` moves the root, as for ml-100k)."""
    from whyrec.data.builtin.ml100k import cache_root

    return cache_root() / "llm"


def request_key(base_url: str, model: str, messages: list[dict[str, str]], params: Mapping[str, object]) -> str:
    """SHA-256 of the request as canonical JSON: the same question to the same model gives the same key."""
    payload = json.dumps({"base_url": base_url, "model": model, "messages": messages, "params": dict(params)},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class PromptCache:
    """Completions stored as ``<folder>/<key[:2]>/<key>.json``.

    Writes go through a temporary file and ``os.replace``, so concurrent writers never leave half a file;
    an unreadable entry counts as a miss.

    Args:
        folder: where to keep the files (default :func:`default_cache_dir`).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_cache_dir()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> ChatCompletion | None:
        """The stored completion, or None."""
        path = self._path(key)
        try:
            return ChatCompletion.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError) as e:
            logger.warning("ignoring unreadable LLM cache entry %s: %s", path, e)
            return None

    def put(self, key: str, completion: ChatCompletion) -> None:
        """Store a completion (best effort: a read-only cache only logs)."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as tmp:
                tmp.write(completion.model_dump_json().encode("utf-8"))
            os.replace(tmp.name, path)
        except OSError as e:
            logger.warning("could not write LLM cache entry %s: %s", path, e)
