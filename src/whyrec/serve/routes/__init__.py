"""One router per resource: users' recommendations, what-if lists, the shopper page's view, users, events,
items, the catalog, admin, the analyst view's report, health."""

from whyrec.serve.routes import (
    admin,
    analyst,
    catalog,
    events,
    health,
    items,
    recommendations,
    shopper,
    tokens,
    users,
    whatif,
)

__all__ = ["ROUTERS", "admin", "analyst", "catalog", "events", "health", "items", "recommendations", "shopper",
           "tokens", "users", "whatif"]

#: Every resource's module, in the order the app includes their routers (and the OpenAPI schema lists them).
ROUTERS = (recommendations, whatif, shopper, users, events, items, catalog, tokens, admin, analyst, health)
