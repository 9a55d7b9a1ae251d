"""Information pillar (kiosk) pages: one large-print page per station.

``?mode=kiosk`` is the full-screen variant for a screen on a station: no site
navigation, no data-source block (one link to the data catalogue instead) and
larger departure rows. ``?at=2022-07-12T08:00`` shows the departures at another
time (a feed only has departures within its validity period). The page refreshes
its content every minute with a script (no ``meta refresh``, which would reload
the page under a screen reader's cursor), and the refresh can be paused; when a
refresh fails, the page says since when its data is not current. ``?fragment=1``
returns only the content for that refresh.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse

from stufenlos.api import deps, views
from stufenlos.api.kiosk_data import stop_info
from stufenlos.api.templating import page_language, render
from stufenlos.i18n import format_datetime

__all__ = ["REFRESH_S", "router"]

#: seconds between content refreshes of a kiosk page
REFRESH_S = 60

router = APIRouter(prefix="/kiosk", tags=["web"], include_in_schema=False)

CityName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]


@router.get("/{city}", response_class=HTMLResponse)
def kiosk_index(request: Request, city: CityName) -> HTMLResponse:
    """The stations of a city that have a kiosk page."""
    c = deps.get_city(city)
    # a screen opened in kiosk mode stays in it on the station it links to
    mode = {"mode": "kiosk"} if request.query_params.get("mode") == "kiosk" else {}
    query = urlencode({"lang": page_language(request), **mode})
    return render(request, "kiosk_index.html", {"city": c, "stations": views.stations_of(c),
                                                "link_query": query})


@router.get("/{city}/{stop}", response_class=HTMLResponse)
def kiosk(request: Request, city: CityName,
          stop: Annotated[str, Path(max_length=100)]) -> HTMLResponse:
    """The information pillar of one station."""
    lang = page_language(request)
    c = deps.get_city(city)
    at = None
    raw = request.query_params.get("at")
    if raw:
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            raise HTTPException(422, f"at: expected a date and time such as "
                                     f"2022-07-12T08:00, got {raw!r}") from None
    info = stop_info(c, stop, lang=lang, at=at)
    try:
        tz = ZoneInfo(c.config.timezone)
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    plan = {"city": c.name, "from": info["station"]["name"], "mode": "transit", "lang": lang}
    shown = None
    if at is not None:
        plan |= {"date": f"{at:%Y-%m-%d}", "time": f"{at:%H:%M}"}
        # the station's local time, written the page language's way
        local = at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)
        shown = format_datetime(local, lang, tz.key, "short")
    ctx = {"city": c, "info": info, "now": datetime.now(tz).strftime("%H:%M"),
           "at": shown, "at_iso": at.isoformat() if at else None, "refresh_s": REFRESH_S,
           "kiosk_mode": request.query_params.get("mode") == "kiosk",
           "planner_url": f"/planner?{urlencode(plan)}"}
    name = "_kiosk_body.html" if request.query_params.get("fragment") == "1" else "kiosk.html"
    return render(request, name, ctx)
