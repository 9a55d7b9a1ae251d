"""One router module per resource; :data:`ROUTER_MODULES` lists them for the app."""

#: modules under ``stufenlos.api.routes`` whose ``router`` the app includes, in order
ROUTER_MODULES: tuple[str, ...] = (
    "meta", "open311", "moderation", "assets", "plan", "catalog",
    "cities", "ogc", "tiles", "web", "kiosk", "docs", "reports_web", "analysis",
    "proceedings", "proceedings_web",
)
