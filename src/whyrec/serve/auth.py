"""Who may call what: API keys with scopes, and signed per-shopper tokens.

==========  =========================================================================================
scope       what it allows
==========  =========================================================================================
``admin``   everything, and ``/v1/admin/*`` (reload, run switching)
``service`` every user's routes (the shop's backend), issuing shopper tokens, ``/metrics``
``read``    recommendations, item explanations, similar items, ``/metrics``
shopper     a signed token for one user id: that user's recommendations, explanations, events, profile,
            settings and erasure, and similar items
==========  =========================================================================================

API keys are random strings (``python -m whyrec.serve.auth new-key NAME SCOPE`` makes one); the service
only stores their SHA-256 (a key has 256 bits of entropy, so a slow password hash adds nothing). Keys come
from ``WHYREC_API_KEYS`` and from the file ``WHYREC_API_KEYS_FILE``, one ``NAME SCOPE sha256:HEX`` per line;
the file is re-read when it changes, so keys rotate without a restart. A shopper token is
``base64url(payload).base64url(HMAC-SHA256(secret, payload))`` with the user id and the expiry inside.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from whyrec.errors import AdminAuthError, ConfigError

__all__ = ["ANONYMOUS", "KeyRing", "Principal", "Scope", "ShopperTokens", "hash_key", "new_key"]

logger = logging.getLogger(__name__)

_TOKEN_PREFIX = "wst1."
_RELOAD_CHECK_S = 1.0


class Scope(StrEnum):
    """What an API key may do; each scope includes the ones below it."""

    READ = "read"
    SERVICE = "service"
    ADMIN = "admin"

    def includes(self, other: Scope) -> bool:
        """Whether a key with this scope may do what `other` allows."""
        order = (Scope.READ, Scope.SERVICE, Scope.ADMIN)
        return order.index(self) >= order.index(other)


@dataclass(frozen=True)
class Principal:
    """Who is calling.

    Attributes:
        name: the key's name, ``shopper`` for a shopper token, ``anonymous`` without credentials.
        scope: the key's scope; None for a shopper or an anonymous caller.
        user_id: the shopper's user id (shopper tokens only).
    """

    name: str
    scope: Scope | None = None
    user_id: str | None = None

    @property
    def is_shopper(self) -> bool:
        """Whether the caller holds a shopper token."""
        return self.user_id is not None

    @property
    def bucket(self) -> str:
        """The rate-limit bucket of this caller."""
        return f"shopper:{self.user_id}" if self.user_id is not None else f"key:{self.name}"


ANONYMOUS = Principal("anonymous")
"""A caller without credentials (only where `auth` is off)."""


def hash_key(key: str) -> str:
    """The stored form of an API key: ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A new random API key (256 bits)."""
    return "wk_" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class _Entry:
    name: str
    scope: Scope
    digest: bytes


def _parse(text: str, source: str) -> list[_Entry]:
    entries = []
    for number, raw in enumerate(text.replace(";", "\n").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith("sha256:") or parts[1] not in set(Scope):
            raise ConfigError(f"{source}, entry {number}: expected 'NAME SCOPE sha256:HEX' with SCOPE one of "
                              f"{', '.join(Scope)}; got {len(parts)} fields. Make entries with `python -m "
                              "whyrec.serve.auth new-key NAME SCOPE`.", source=source, field="api_keys")
        try:
            digest = bytes.fromhex(parts[2].removeprefix("sha256:"))
        except ValueError:
            digest = b""
        if len(digest) != 32:
            raise ConfigError(f"{source}, entry {number} ({parts[0]}): the hash is not 64 hex digits.",
                              source=source, field="api_keys")
        entries.append(_Entry(parts[0], Scope(parts[1]), digest))
    return entries


class KeyRing:
    """The API keys the service accepts, re-read from their file when it changes.

    Args:
        inline: entries given directly (``WHYREC_API_KEYS``): ``NAME SCOPE sha256:HEX``, separated by ``;``
            or newlines.
        path: a file of entries, re-read when its modification time or size changes.
        admin_token: the plain admin token (``WHYREC_ADMIN_TOKEN``), accepted as a key named ``admin`` with
            the admin scope.

    Raises:
        ConfigError: an entry is malformed, or the file cannot be read at start.
    """

    def __init__(self, inline: str | None = None, path: Path | None = None, admin_token: str | None = None) -> None:
        self._fixed = _parse(inline, "WHYREC_API_KEYS") if inline else []
        if admin_token:
            self._fixed.append(_Entry("admin", Scope.ADMIN, hashlib.sha256(admin_token.encode()).digest()))
        self._path = path
        self._from_file: list[_Entry] = []
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        if path is not None:
            self._load_file(strict=True)

    def _load_file(self, *, strict: bool) -> None:
        assert self._path is not None
        try:
            stat = self._path.stat()
            stamp = (stat.st_mtime, stat.st_size)
            if stamp == self._stamp:
                return
            self._from_file = _parse(self._path.read_text(encoding="utf-8"), "WHYREC_API_KEYS_FILE")
            self._stamp = stamp
            logger.info("read %d API keys from the keys file", len(self._from_file))
        except (OSError, ConfigError, UnicodeDecodeError) as e:
            if strict:
                raise ConfigError(f"WHYREC_API_KEYS_FILE: cannot read the keys file ({e}).",
                                  source="WHYREC_API_KEYS_FILE", field="api_keys_file") from None
            logger.error("keeping the previous API keys: the keys file cannot be read (%s)", type(e).__name__)

    def _entries(self) -> list[_Entry]:
        if self._path is not None and time.monotonic() - self._checked >= _RELOAD_CHECK_S:
            with self._lock:
                self._checked = time.monotonic()
                self._load_file(strict=False)
        return self._fixed + self._from_file

    def __len__(self) -> int:
        return len(self._entries())

    def has_scope(self, scope: Scope) -> bool:
        """Whether any key grants `scope`."""
        return any(e.scope.includes(scope) for e in self._entries())

    def find(self, key: str) -> Principal | None:
        """The key's principal, or None for an unknown key (every entry is compared, in constant time)."""
        digest = hashlib.sha256(key.encode()).digest()
        found: _Entry | None = None
        for entry in self._entries():
            if hmac.compare_digest(entry.digest, digest):
                found = entry
        return Principal(found.name, found.scope) if found is not None else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ShopperTokens:
    """Signs and checks per-shopper tokens: HMAC-SHA256 over the user id and the expiry.

    Args:
        secret: the server secret (``WHYREC_TOKEN_SECRET``, at least 32 characters), shared by every worker.
    """

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, (_TOKEN_PREFIX + payload).encode(), hashlib.sha256).digest())

    def issue(self, user_id: str, ttl_s: int, *, now: float | None = None) -> tuple[str, int]:
        """A token for `user_id` valid `ttl_s` seconds; returns it and its expiry (epoch seconds)."""
        expires = int(now if now is not None else time.time()) + ttl_s
        payload = _b64(json.dumps({"sub": user_id, "exp": expires}, separators=(",", ":")).encode())
        return f"{_TOKEN_PREFIX}{payload}.{self._sign(payload)}", expires

    def verify(self, token: str, *, now: float | None = None) -> Principal:
        """The shopper the token speaks for.

        Raises:
            AdminAuthError: the signature is wrong (403), or the token has expired (401).
        """
        body = token.removeprefix(_TOKEN_PREFIX)
        payload, _, signature = body.partition(".")
        if not hmac.compare_digest(self._sign(payload).encode(), signature.encode()):
            raise AdminAuthError("The shopper token's signature is wrong.", status=403)
        try:
            data = json.loads(_unb64(payload))
            user_id, expires = str(data["sub"]), int(data["exp"])
        except (ValueError, KeyError, TypeError):
            raise AdminAuthError("The shopper token cannot be read.", status=403) from None
        if expires <= (now if now is not None else time.time()):
            raise AdminAuthError("The shopper token has expired; ask the shop for a new one.", status=401)
        return Principal("shopper", user_id=user_id)

    @staticmethod
    def looks_like(credential: str) -> bool:
        """Whether `credential` is a shopper token rather than an API key."""
        return credential.startswith(_TOKEN_PREFIX)


def _main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] != "new-key" or argv[2] not in set(Scope):
        print("usage: python -m whyrec.serve.auth new-key NAME {read,service,admin}", file=sys.stderr)
        return 2
    key = new_key()
    print(f"key (give it to the client, it is shown once): {key}")
    print(f"entry (add it to WHYREC_API_KEYS_FILE): {argv[1]} {argv[2]} {hash_key(key)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
