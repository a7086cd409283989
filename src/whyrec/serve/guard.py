"""The app's gatekeeper: its API keys, the shopper-token signer and the rate limits, built from the settings."""

from __future__ import annotations

from starlette.exceptions import HTTPException

from whyrec.errors import AdminAuthError, ConfigError
from whyrec.serve.auth import KeyRing, Principal, Scope, ShopperTokens
from whyrec.serve.ratelimit import RateLimiter
from whyrec.serve.settings import ServeSettings

__all__ = ["Guard"]


class Guard:
    """Identifies callers and enforces their rate limits.

    Args:
        settings: the service settings (keys, token secret, rates, ``auth``).

    Raises:
        ConfigError: ``auth`` is on and no API key is configured, or a key entry is malformed.
    """

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        admin = settings.admin_token.get_secret_value() if settings.admin_token else None
        inline = settings.api_keys.get_secret_value() if settings.api_keys else None
        self.keys = KeyRing(inline, settings.api_keys_file, admin)
        self.tokens = ShopperTokens(settings.token_secret.get_secret_value()) if settings.token_secret else None
        self.key_rate = RateLimiter(settings.rate_key_per_s)
        self.shopper_rate = RateLimiter(settings.rate_shopper_per_s)
        if settings.auth and len(self.keys) == 0:
            raise ConfigError("authentication is on (the service binds a non-loopback address, or auth=true) but "
                              "no API key is configured. Set WHYREC_API_KEYS_FILE (entries from `python -m "
                              "whyrec.serve.auth new-key NAME SCOPE`), WHYREC_API_KEYS or WHYREC_ADMIN_TOKEN; or "
                              "serve on 127.0.0.1; or, behind a gateway that authenticates, pass --no-auth.",
                              source="WHYREC_API_KEYS_FILE", field="api_keys")

    def require_admin_keys(self) -> None:
        """Refuse at once when no key has the admin scope.

        Raises:
            AdminAuthError: 403, admin routes are off.
        """
        if not self.keys.has_scope(Scope.ADMIN):
            raise AdminAuthError("Admin routes are off: the service has no admin key. Start it with "
                                 "WHYREC_ADMIN_TOKEN set, or add a key with the admin scope to "
                                 "WHYREC_API_KEYS_FILE.", status=403)

    def identify(self, credential: str, *, admin: bool = False) -> Principal:
        """The caller a bearer credential stands for.

        Raises:
            AdminAuthError: 403 for an unknown key or a bad token, 401 for an expired token.
        """
        if admin:
            self.require_admin_keys()
        if ShopperTokens.looks_like(credential):
            if self.tokens is None:
                raise AdminAuthError("Shopper tokens are off: the service has no token secret "
                                     "(WHYREC_TOKEN_SECRET).", status=403)
            return self.tokens.verify(credential)
        found = self.keys.find(credential)
        if found is None:
            raise AdminAuthError("The API key is wrong (or was revoked).", status=403)
        return found

    def issue(self, user_id: str, ttl_s: int | None) -> tuple[str, int]:
        """A shopper token for `user_id` and its expiry (epoch seconds).

        Raises:
            AdminAuthError: 403, shopper tokens are off.
        """
        if self.tokens is None:
            raise AdminAuthError("Shopper tokens are off: the service has no token secret "
                                 "(WHYREC_TOKEN_SECRET).", status=403)
        return self.tokens.issue(user_id, min(ttl_s or 3600, self.settings.token_max_ttl_s))

    def spend(self, principal: Principal) -> None:
        """Take one request from the caller's bucket.

        Raises:
            HTTPException: 429 with ``Retry-After`` when the bucket is empty.
        """
        limiter = self.shopper_rate if principal.is_shopper else self.key_rate
        wait = limiter.take(principal.bucket)
        if wait > 0:
            raise HTTPException(429, f"Too many requests for this {'shopper' if principal.is_shopper else 'key'}; "
                                     f"retry in {wait:.1f} s.", headers={"Retry-After": limiter.retry_after(wait)})
