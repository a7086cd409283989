"""Service settings from the environment, and the per-user LRU cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from whyrec.errors import ConfigError
from whyrec.serve.cache import LRUCache
from whyrec.serve.settings import ServeSettings


def test_settings_read_the_environment_and_arguments_win() -> None:
    env = {"WHYREC_RUN_DIR": "runs/a", "WHYREC_ADMIN_TOKEN": "t0ken", "WHYREC_MAX_BATCH": "50",
           "WHYREC_PUBLISH_RUN": "false", "WHYREC_UNRELATED": "x"}
    settings = ServeSettings.from_env(env, run_dir=Path("runs/b"), db_url=None)
    assert settings.run_dir == Path("runs/b") and settings.max_batch == 50 and not settings.publish_run
    assert settings.admin_token is not None and settings.admin_token.get_secret_value() == "t0ken"
    assert "t0ken" not in repr(settings)
    assert ServeSettings.from_env(settings.to_env()) == settings  # what worker processes rebuild


def test_a_bad_variable_names_itself() -> None:
    with pytest.raises(ConfigError) as e:
        ServeSettings.from_env({"WHYREC_RUN_DIR": "runs/a", "WHYREC_MAX_BATCH": "lots"})
    assert e.value.field == "max_batch" and e.value.source == "WHYREC_MAX_BATCH" and "'lots'" in str(e.value)
    with pytest.raises(ConfigError) as missing:
        ServeSettings.from_env({})
    assert missing.value.field == "run_dir"


def test_lru_evicts_the_least_recently_used() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    cache.pop("a")
    assert cache.get("a") is None and len(cache) == 1
    off: LRUCache[str, int] = LRUCache(0)
    off.put("a", 1)
    assert off.get("a") is None


def test_a_bad_secret_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as e:
        ServeSettings.from_env({"WHYREC_RUN_DIR": "runs/a", "WHYREC_TOKEN_SECRET": "short-secret"})
    assert e.value.field == "token_secret" and "short-secret" not in str(e.value) and "32" in str(e.value)


def test_cors_origins_read_as_a_comma_list() -> None:
    settings = ServeSettings.from_env({"WHYREC_RUN_DIR": "runs/a",
                                       "WHYREC_CORS_ORIGINS": "https://a.example, https://b.example"})
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert ServeSettings.from_env(settings.to_env()) == settings
