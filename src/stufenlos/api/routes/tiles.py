"""Offline basemap: vector tiles and a MapLibre style per imported city.

A deployment can point the web map at a remote style instead by setting
``STUFENLOS_MAP_STYLE_URL``; the planner page then loads that style and adds
the route and barrier layers on top.

The style names no ``glyphs`` URL: MapLibre then draws the letters of street
names and places itself with the browser's own sans-serif font (TinySDF), so
labels need no font server and nothing from the internet.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response

from stufenlos.api import deps, views
from stufenlos.tiles import MAX_ZOOM, MIN_ZOOM

__all__ = ["WAY_STYLE", "router", "style"]

router = APIRouter(prefix="/tiles", tags=["tiles"], include_in_schema=False)

#: way class -> (colour, width at zoom 16, dashed); colours are ≥3:1 against the background
WAY_STYLE: dict[str, tuple[str, float, bool]] = {
    "road": ("#8a8175", 6.0, False),
    "pedestrian": ("#6b5d4a", 4.0, False),
    "footway": ("#5b4f40", 2.5, False),
    "sidewalk": ("#5b4f40", 2.0, False),
    "crossing": ("#1f1f1f", 2.5, True),
    "steps": ("#b00020", 3.0, True),
    "elevator": ("#0050a0", 4.0, False),
}
BACKGROUND = "#f7f5f0"
#: basemap fills and lines, drawn under the ways (muted, so the ways stand out)
WATER = "#9cc3e6"
GREEN = "#d3e8c4"
BUILDING = "#dcd6cc"
BUILDING_EDGE = "#b9b1a4"
#: label text and its halo: 7:1 and more against every fill above
LABEL = "#1f1f1f"
LABEL_HALO = "#ffffff"
#: the font stack MapLibre draws labels with (locally, see the module's docstring)
FONT = ["sans-serif"]

CityName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]


def style(city: str, base_url: str) -> dict[str, Any]:
    """A MapLibre style drawing ``city``'s ways and barriers from our own tiles."""
    layers: list[dict[str, Any]] = [
        {"id": "background", "type": "background", "paint": {"background-color": BACKGROUND}},
        {"id": "green", "type": "fill", "source": "city", "source-layer": "green",
         "paint": {"fill-color": GREEN}},
        {"id": "water", "type": "fill", "source": "city", "source-layer": "water",
         "paint": {"fill-color": WATER}},
        {"id": "waterways", "type": "line", "source": "city", "source-layer": "waterways",
         "layout": {"line-cap": "round", "line-join": "round"},
         "paint": {"line-color": WATER, "line-width": ["interpolate", ["linear"], ["zoom"],
                                                      13, 1, 18, 4]}},
        {"id": "buildings", "type": "fill", "source": "city", "source-layer": "buildings",
         "minzoom": 14,
         "paint": {"fill-color": BUILDING, "fill-outline-color": BUILDING_EDGE}},
    ]
    for cls, (colour, width, dashed) in WAY_STYLE.items():
        layer: dict[str, Any] = {
            "id": f"ways-{cls}", "type": "line", "source": "city", "source-layer": "ways",
            "filter": ["==", ["get", "class"], cls],
            "layout": {"line-cap": "butt" if dashed else "round", "line-join": "round"},
            "paint": {"line-color": colour,
                      "line-width": ["interpolate", ["exponential", 1.6], ["zoom"],
                                     13, width / 4, 16, width, 19, width * 4]},
        }
        if dashed:
            layer["paint"]["line-dasharray"] = [1, 1]
        layers.append(layer)
    halo = {"text-color": LABEL, "text-halo-color": LABEL_HALO, "text-halo-width": 2}
    layers += [
        {"id": "pois", "type": "circle", "source": "city", "source-layer": "pois",
         "minzoom": 16,
         "paint": {"circle-radius": 3, "circle-color": "#5b4f40",
                   "circle-stroke-color": "#ffffff", "circle-stroke-width": 1}},
        {"id": "poi-names", "type": "symbol", "source": "city", "source-layer": "pois",
         "minzoom": 17, "filter": ["has", "name"],
         "layout": {"text-field": ["get", "name"], "text-font": FONT, "text-size": 12,
                    "text-anchor": "top", "text-offset": [0, 0.5], "text-max-width": 8,
                    "text-optional": True},
         "paint": halo},
        {"id": "street-names", "type": "symbol", "source": "city", "source-layer": "ways",
         "minzoom": 15, "filter": ["has", "name"],
         "layout": {"symbol-placement": "line", "text-field": ["get", "name"],
                    "text-font": FONT, "text-size": ["interpolate", ["linear"], ["zoom"],
                                                     15, 11, 18, 15],
                    "text-max-angle": 30, "symbol-spacing": 300},
         "paint": halo},
    ]
    return {
        "version": 8,
        "name": f"stufenlos {city}",
        "sources": {
            "city": {
                "type": "vector",
                "tiles": [f"{base_url.rstrip('/')}/tiles/{city}/{{z}}/{{x}}/{{y}}.pbf"],
                "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM,
                "attribution": " · ".join(s.attribution for s in
                                          deps.city_configs()[city].sources),
            },
        },
        "layers": layers,
    }


@router.get("/{city}/style.json")
def style_json(request: Request, city: CityName) -> dict[str, Any]:
    """The style of ``city``'s offline basemap."""
    deps.get_city(city)
    return style(city, str(request.base_url))


@router.get("/{city}/{z}/{x}/{y}.pbf")
def tile(city: CityName, z: Annotated[int, Path(ge=0, le=22)],
         x: Annotated[int, Path(ge=0)], y: Annotated[int, Path(ge=0)]) -> Response:
    """One Mapbox Vector Tile: ``ways``, ``barriers`` and the basemap layers."""
    if x >= (1 << z) or y >= (1 << z):
        raise HTTPException(404, f"no tile {z}/{x}/{y}")
    data = views.city_tiles(deps.get_city(city)).tile(z, x, y)
    return Response(data, media_type="application/vnd.mapbox-vector-tile",
                    headers={"Cache-Control": "public, max-age=3600"})
