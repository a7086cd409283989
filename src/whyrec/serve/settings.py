"""Service settings: a frozen pydantic model, filled from defaults < a config file's ``[serve.settings]`` table <
``WHYREC_*`` environment variables < arguments.

pydantic-settings is not a dependency, so :meth:`ServeSettings.from_env` reads the environment itself. Every
field ``name`` is read from ``WHYREC_<NAME>`` (``run_dir`` from ``WHYREC_RUN_DIR``, ``admin_token`` from
``WHYREC_ADMIN_TOKEN`` and so on).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from whyrec.errors import ConfigError
from whyrec.retrieval import ANN_THRESHOLD, RetrievalConfig, RetrievalMode

__all__ = ["ENV_PREFIX", "ServeSettings"]

ENV_PREFIX = "WHYREC_"


class ServeSettings(BaseModel):
    """How the REST service runs.

    Example:
        >>> ServeSettings(run_dir="runs/ease").max_batch
        1000
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_dir: Path
    """The run directory served at start (``whyrec train ... --out DIR``)."""
    runs_dir: Path | None = None
    """The folder of runs the analyst view (``/analyst``) reports on (None: the served run's parent folder)."""
    db_url: str | None = None
    """SQLAlchemy URL of the event store (None: the storage default, a local SQLite file)."""
    admin_token: SecretStr | None = None
    """A plain bearer token with the admin scope (a key named ``admin``); without it or an admin key in
    `api_keys` / `api_keys_file`, the admin routes are off (every call gets 403)."""
    auth: bool = False
    """Whether every route but ``/healthz`` and ``/readyz`` needs credentials (an API key or a shopper token).
    ``whyrec serve`` turns it on for every host but loopback. Admin routes always need an admin key."""
    api_keys: SecretStr | None = None
    """API keys, ``NAME SCOPE sha256:HEX`` entries separated by ``;`` (see :mod:`whyrec.serve.auth`)."""
    api_keys_file: Path | None = None
    """A file of API key entries, one per line, re-read when it changes (keys rotate without a restart)."""
    token_secret: SecretStr | None = None
    """Server secret that signs shopper tokens (at least 32 characters, the same in every worker); None: no
    shopper tokens."""
    token_max_ttl_s: int = Field(default=86_400, ge=60)
    """Longest lifetime of a shopper token."""
    rate_key_per_s: float = Field(default=1000.0, ge=0.0)
    """Requests a second per API key and worker (bursts of twice that; 0: no limit). Over it: 429."""
    rate_shopper_per_s: float = Field(default=20.0, ge=0.0)
    """Requests a second per shopper token and worker (bursts of twice that; 0: no limit). Over it: 429."""
    cors_origins: tuple[str, ...] = ()
    """Origins whose web pages may call the API from a browser (comma-separated in the environment); empty:
    none (CORS closed)."""
    max_batch: int = Field(default=1000, ge=1, le=100_000)
    """Most events accepted in one ``POST /v1/events`` (more: 413)."""
    max_body_bytes: int = Field(default=4_000_000, ge=1024)
    """Largest request body accepted (more: 413), checked before the body is parsed."""
    cache_users: int = Field(default=4096, ge=0)
    """Per-user scoring states kept in memory (an LRU; 0 turns the cache off)."""
    cache_bytes: int = Field(default=256 * 2**20, ge=0)
    """Most bytes the per-user states may take (arrays, explanations, rendered bodies), per worker."""
    cache_state_bytes: int = Field(default=4 * 2**20, ge=0)
    """Most bytes of explanations and rendered bodies kept in one user's state (more: they are dropped)."""
    reload_check_s: float = Field(default=1.0, ge=0.0)
    """How often a worker looks at the shared store for a run swapped in by another worker (0: every request)."""
    publish_run: bool = True
    """At start, record `run_dir` as the active run in the store (when none is recorded, or the recorded one
    is the same run). Worker processes started by ``whyrec serve --workers N`` set it to False: the parent
    has published the run, and they adopt it."""
    switch_run: bool = False
    """At start, replace an active run of another content recorded in the store (``whyrec serve --publish``).
    Without it, a server started on a database that serves another run refuses to start."""
    run_copies_dir: Path | None = None
    """Where the service keeps private copies of the runs it publishes (one per content hash), so a worker
    restarted after the run folder was deleted or overwritten still loads the published run. ``whyrec serve
    --workers N`` sets a temporary folder it removes at exit; None: no copies."""
    ready_check_s: float = Field(default=5.0, ge=0.0)
    """How often ``/readyz`` runs the database's integrity check (SQLite ``PRAGMA quick_check``)."""
    access_log: bool = False
    """Log every request to the ``whyrec.access`` logger, user ids replaced by a keyed hash."""
    log_salt: SecretStr | None = None
    """Key of the hash of user ids in the access log (the same in every worker lets lines be correlated);
    None: a random one per process."""
    evidence: int = Field(default=5, ge=1, le=50)
    """Evidence entries per explanation."""
    ann: RetrievalMode = RetrievalMode.AUTO
    """Approximate top-k lists from an HNSW index of the item vectors (dot-product models): ``auto`` from
    `ann_threshold` items on, ``on`` always, ``off`` never. Explanations are computed exactly either way."""
    ann_threshold: int = Field(default=ANN_THRESHOLD, ge=1)
    """Catalog size from which ``ann=auto`` lists are approximate."""

    @property
    def retrieval(self) -> RetrievalConfig:
        """How lists are retrieved (`ann`, `ann_threshold`)."""
        return RetrievalConfig(mode=self.ann, threshold=self.ann_threshold)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(o.strip() for o in value.split(",") if o.strip())
        return value

    @field_validator("token_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("the shopper token secret must be at least 32 characters (e.g. `python -c "
                             "'import secrets; print(secrets.token_urlsafe(32))'`)")
        return value

    @classmethod
    def check_keys(cls, values: Mapping[str, Any], source: str) -> Mapping[str, Any]:
        """`values` unchanged, once every key is a setting.

        Raises:
            ConfigError: a key is not a setting (the message names `source` and lists the settings).
        """
        unknown = sorted(set(values) - set(cls.model_fields))
        if unknown:
            raise ConfigError(f"{source}: unknown key {unknown[0]!r}; valid keys: {', '.join(cls.model_fields)}.",
                              source=source, field=unknown[0], allowed=tuple(cls.model_fields))
        return values

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, file: Mapping[str, Any] | None = None,
                 file_source: str = "config file", **overrides: Any) -> ServeSettings:
        """Settings from `file` (a config file's ``[serve.settings]`` table), then ``WHYREC_*`` variables, then
        `overrides` (keyword arguments win; None ones are ignored).

        Raises:
            ConfigError: `file` has a key that is no setting, or a value is invalid (the message names where it
                came from: the argument, the variable or `file_source`).
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = dict(cls.check_keys(file or {}, file_source))
        from_env: set[str] = set()
        for name in cls.model_fields:
            raw = environ.get(ENV_PREFIX + name.upper())
            if raw is not None and raw != "":
                values[name] = raw
                from_env.add(name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            source = field if field in overrides else f"{ENV_PREFIX}{field.upper()}" if field in from_env \
                else file_source
            secret = field in ("admin_token", "api_keys", "token_secret", "log_salt")
            shown = f"{len(str(first.get('input')))} characters" if secret else repr(first.get("input"))
            raise ConfigError(f"service setting {field!r} ({source}): {first['msg']}. Got {shown} "
                              "instead.", source=source, field=field) from None

    def to_env(self) -> dict[str, str]:
        """The ``WHYREC_*`` variables that rebuild these settings in another process (worker processes)."""
        env: dict[str, str] = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if isinstance(value, tuple):
                value = ",".join(value)
            env[ENV_PREFIX + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
        return env
