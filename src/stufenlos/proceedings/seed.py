"""The demo proceeding: step-free access around Jungfernstieg, with the fixes the
scenario ranking finds in Hamburg's bundled network and their computed effects."""

from __future__ import annotations

import logging
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from stufenlos.plan.store import record
from stufenlos.proceedings.effects import (
    change_title,
    compute_effect,
    fix_location,
    ranked_candidates,
)
from stufenlos.proceedings.models import Fix, Proceeding
from stufenlos.proceedings.service import _fix_dict, _proceeding_dict

__all__ = ["DEMO_SLUG", "seed_demo"]

logger = logging.getLogger(__name__)

DEMO_SLUG = "jungfernstieg-2027"
#: what the demo's fixes are ranked and measured for
DEMO_CATEGORY, DEMO_BUDGET_MIN, DEMO_PROFILE = "step_free_station", 15.0, "wheelchair"


def seed_demo(session: Session, city: Any, *, limit: int = 5) -> Proceeding:
    """Create the demo proceeding in ``city`` (Hamburg) unless it exists.

    The area is the bounding box of the city's imported network (the bundled extract
    around Jungfernstieg). The fixes are the best candidates of
    :func:`~stufenlos.proceedings.effects.ranked_candidates` (elevators beside steps,
    step-free stations, lowered kerbs) for wheelchair users reaching a step-free
    station within 15 minutes, each with its effect for wheelchair and walker users
    from the scenario engine. If no candidate gives anyone access, the proceeding has
    no fixes and its description says so: no figure is made up.
    """
    found = session.scalar(select(Proceeding).where(Proceeding.slug == DEMO_SLUG))
    if found is not None:
        return found
    x0, y0, x1, y1 = _bounds(city)
    area = shapely.geometry.mapping(shapely.box(x0, y0, x1, y1))
    cands = ranked_candidates(city, category=DEMO_CATEGORY, budget_min=DEMO_BUDGET_MIN,
                              profile=DEMO_PROFILE, limit=limit)
    found_de = (f"Die Rangliste der Maßnahmen fand {len(cands)} Maßnahme(n), die Menschen "
                "Zugang geben." if cands else
                "Die Rangliste fand keine Maßnahme, die jemandem Zugang gibt.")
    found_en = (f"The ranking of fixes found {len(cands)} fix(es) that give people access."
                if cands else "The ranking found no fix that gives anyone access.")
    p = Proceeding(
        slug=DEMO_SLUG, city=city.name,
        title={"de": "Stufenlos rund um den Jungfernstieg 2027",
               "en": "Step-free access around Jungfernstieg 2027"},
        description={
            "de": "Welche Maßnahmen sollen zuerst kommen? Jede Maßnahme ist mit den Menschen "
                  "berechnet, die damit in 15 Minuten einen stufenlosen Bahnhof erreichen. "
                  + found_de,
            "en": "Which fixes should come first? Each fix is computed with the people who "
                  "reach a step-free railway station within 15 minutes through it. "
                  + found_en,
        },
        body="Demo: Bezirksamt Hamburg-Mitte (Beispiel)",
        area={"type": "Polygon", "coordinates": area["coordinates"]},
        phase="information", schedule={}, category=DEMO_CATEGORY,
        budget_min=DEMO_BUDGET_MIN, result={})
    session.add(p)
    session.flush()
    record(session, actor="seed", action="create", obj=p, after=_proceeding_dict(p),
           summary=f"proceeding {p.slug}: {p.title['en']}")
    for i, cand in enumerate(cands):
        effect, note = compute_effect(city, cand.change, category=DEMO_CATEGORY,
                                      budget_min=DEMO_BUDGET_MIN)
        where = fix_location(city, cand.change)
        fix = Fix(proceeding_id=p.id, position=i, title=change_title(cand.change),
                  change=cand.change, lat=where[0] if where else None,
                  lon=where[1] if where else None, effect=effect,
                  effect_note=f"{note}. Ranking: {cand.summary}", decision_reason={})
        session.add(fix)
        session.flush()
        record(session, actor="seed", action="create", obj=fix, after=_fix_dict(fix),
               summary=f"proceeding {p.slug}: fix {fix.title['en']}")
    logger.info("seeded proceeding %s with %d fixes", p.slug, len(cands))
    return p


def _bounds(city: Any) -> tuple[float, float, float, float]:
    ll = city.network.node_lonlat
    return (float(ll[:, 0].min()), float(ll[:, 1].min()), float(ll[:, 0].max()),
            float(ll[:, 1].max()))
