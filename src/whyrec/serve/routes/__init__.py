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

__all__ = ["ROUTERS", "admin", "events", "health", "items", "recommendations", "tokens", "users"]

#: Every resource's module, in the order the app includes their routers (and the OpenAPI schema lists them).
ROUTERS = (recommendations, users, events, items, tokens, admin, health)
