"""One router module per resource; :data:`ROUTER_MODULES` lists them for the app."""

#: modules under ``stufenlos.api.routes`` whose ``router`` the app includes, in order.
#: A request is matched against the routes one by one, so the JSON API of ``cities``
#: (route requests) comes first; none of its paths matches another module's.
ROUTER_MODULES: tuple[str, ...] = (
    "cities", "places", "meta", "open311", "moderation", "assets", "plan", "catalog",
    "ogc", "tiles", "web", "kiosk", "docs", "reports_web", "analysis",
    "proceedings", "proceedings_web",
)
