"""One router per resource: users' recommendations, users, events, items, admin, health."""

from whyrec.serve.routes import (
    admin,
    events,
    health,
    items,
    recommendations,
    tokens,
    users,
)

__all__ = ["admin", "events", "health", "items", "recommendations", "tokens", "users"]
