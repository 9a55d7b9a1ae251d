"""Proceedings in open formats: GeoJSON and CSV of contributions and results, the OGC
API Features collection ``proceedings-contributions`` and one DCAT-AP.de dataset per
proceeding. Only published contributions and public fields ever leave here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from stufenlos._util import csv_table
from stufenlos.i18n import N_, translator
from stufenlos.proceedings.models import Contribution, Proceeding
from stufenlos.proceedings.service import _public_contribution, proceeding_detail

__all__ = [
    "OGC_COLLECTION",
    "catalog_specs",
    "contributions_csv",
    "contributions_geojson",
    "ogc_collection",
    "ogc_features",
    "results_csv",
    "results_geojson",
]

#: the OGC API Features collection of every proceeding's published contributions
OGC_COLLECTION = "proceedings-contributions"


def _feature(props: dict[str, Any], lat: float | None, lon: float | None,
             fid: str) -> dict[str, Any]:
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": props}


def contributions_geojson(session: Session, key: str | int) -> dict[str, Any]:
    """The published contributions of a proceeding as a GeoJSON FeatureCollection."""
    d = proceeding_detail(session, key)
    feats = []
    for c in d["contributions"]:
        props = {k: v for k, v in c.items() if k not in ("lat", "lon", "comments", "photo")}
        props["proceeding"] = d["slug"]
        props["comments"] = len(c["comments"])
        feats.append(_feature(props, c["lat"], c["lon"], f"contribution-{c['id']}"))
    return {"type": "FeatureCollection", "name": f"{d['slug']}-contributions", "features": feats}


def _helped(fix: dict[str, Any]) -> dict[str, float]:
    """``gained_<group>_<profile>`` figures of a fix, flat for tables."""
    out = {}
    for row in fix["effect"]:
        for k, v in row.items():
            if k.startswith(("gained_", "lost_")):
                out[f"{k}_{row['profile']}"] = v
    return out


def results_geojson(session: Session, key: str | int) -> dict[str, Any]:
    """The fixes with decisions, supports and the people each helps, and the area."""
    d = proceeding_detail(session, key)
    feats = [_feature({"kind": "area", "proceeding": d["slug"], "phase": d["phase"],
                       "title": d["title"], "body": d["body"], "result": d["result"]},
                      None, None, f"proceeding-{d['id']}") | {"geometry": d["area"]}]
    for f in d["fixes"]:
        props = {"kind": "fix", "proceeding": d["slug"], "title": f["title"],
                 "change": f["change"], "supports": f["supports"], "decision": f["decision"],
                 "decision_reason": f["decision_reason"], "effect": f["effect"],
                 **_helped(f)}
        feats.append(_feature(props, f["lat"], f["lon"], f"fix-{f['id']}"))
    return {"type": "FeatureCollection", "name": f"{d['slug']}-results", "features": feats}


_CONTRIBUTION_COLUMNS = ["id", "proceeding", "category", "fix_id", "text", "lat", "lon",
                         "address", "created_at", "supports", "comments", "decision",
                         "decision_reason_de", "decision_reason_en"]


def contributions_csv(session: Session, key: str | int) -> str:
    """The published contributions as CSV (no cell starts a formula)."""
    d = proceeding_detail(session, key)
    rows = [{**c, "proceeding": d["slug"], "comments": len(c["comments"]),
             "decision_reason_de": c["decision_reason"].get("de", ""),
             "decision_reason_en": c["decision_reason"].get("en", "")}
            for c in d["contributions"]]
    return csv_table(_CONTRIBUTION_COLUMNS, rows)


def results_csv(session: Session, key: str | int) -> str:
    """One row per fix: change, supports, decision and reason, people gaining access."""
    d = proceeding_detail(session, key)
    rows = []
    extra: list[str] = []
    for f in d["fixes"]:
        helped = _helped(f)
        extra += [k for k in helped if k not in extra]
        rows.append({"id": f["id"], "proceeding": d["slug"], "title_de": f["title"].get("de"),
                     "title_en": f["title"].get("en"), "change": json.dumps(f["change"]),
                     "lat": f["lat"], "lon": f["lon"], "supports": f["supports"],
                     "decision": f["decision"] or "",
                     "decision_reason_de": f["decision_reason"].get("de", ""),
                     "decision_reason_en": f["decision_reason"].get("en", ""), **helped})
    header = ["id", "proceeding", "title_de", "title_en", "change", "lat", "lon", "supports",
              "decision", "decision_reason_de", "decision_reason_en", *extra]
    return csv_table(header, rows)


# ---------------------------------------------------------------- OGC API Features


def ogc_collection(session: Session) -> dict[str, Any]:
    """Title, description and extent (the union of every proceeding's area)."""
    areas = [shapely.geometry.shape(a) for a in session.scalars(select(Proceeding.area))]
    bbox = list(shapely.union_all(areas).bounds) if areas else [-180.0, -90.0, 180.0, 90.0]
    return {"title": "Participation proceedings: contributions",
            "description": "Published contributions (problems, ideas, support, concerns) to "
                           "participation proceedings on planned fixes, with the body's "
                           "decisions; anonymous, no contact data",
            "bbox": bbox}


def ogc_features(session: Session, bbox: tuple[float, float, float, float] | None,
                 ) -> list[dict[str, Any]]:
    """Published contributions of every proceeding as GeoJSON features (oldest first)."""
    slugs = dict(session.execute(select(Proceeding.id, Proceeding.slug)).all())
    stmt = select(Contribution).where(Contribution.status == "published")
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        stmt = stmt.where(Contribution.lon >= x0, Contribution.lon <= x1,
                          Contribution.lat >= y0, Contribution.lat <= y1)
    out = []
    for c in session.scalars(stmt.order_by(Contribution.id)):
        props = {k: v for k, v in _public_contribution(c).items() if k not in ("lat", "lon")}
        props["proceeding"] = slugs.get(c.proceeding_id)
        out.append(_feature(props, c.lat, c.lon, str(c.id)))
    return out


def ogc_feature(session: Session, feature_id: str) -> dict[str, Any] | None:
    """One published contribution as a feature, or ``None``."""
    if not feature_id.isdigit():
        return None
    c = session.get(Contribution, int(feature_id))
    if c is None or c.status != "published":
        return None
    props = {k: v for k, v in _public_contribution(c).items() if k not in ("lat", "lon")}
    props["proceeding"] = session.scalar(select(Proceeding.slug).where(
        Proceeding.id == c.proceeding_id))
    return _feature(props, c.lat, c.lon, str(c.id))


# ---------------------------------------------------------------- catalogue


def _in_languages(message: str, **values: object) -> dict[str, str]:
    """``message`` in German and English; a value that is a mapping is picked by language."""
    return {lang: translator(lang).gettext(
        message, **{k: v[lang] if isinstance(v, Mapping) else v for k, v in values.items()})
        for lang in ("de", "en")}


def catalog_specs(session: Session) -> list[Any]:
    """One DCAT-AP.de dataset per proceeding (contributions and results)."""
    from stufenlos.catalog import HAMBURG_STATE, LICENCES, DatasetSpec, DistributionSpec

    specs = []
    for p in session.scalars(select(Proceeding).order_by(Proceeding.id)):
        c = shapely.geometry.shape(p.area).centroid
        api = f"api/proceedings/{p.id}"
        dates = list((p.schedule or {}).values())
        start = min((v["start"] for v in dates), default=None)
        end = max((v["end"] for v in dates), default=None)
        specs.append(DatasetSpec(
            key=f"proceeding-{p.slug}",
            explainer="proceedings",
            title=_in_languages(N_("Participation proceeding: {title}"),
                                title={"de": p.title.get("de") or p.title.get("en"),
                                       "en": p.title.get("en") or p.title.get("de")}),
            description=_in_languages(
                N_("Planned fixes with the people they give access, contributions, "
                   "supports and decisions ({body})."), body=p.body),
            licence=LICENCES["dl-de/by-2-0"],
            themes=("GOVE", "TRAN"),
            keywords=("Beteiligung", "participation", "Barrierefreiheit", "accessibility"),
            distributions=(
                DistributionSpec(f"{api}/contributions.geojson", "geojson",
                                 _in_languages(N_("Contributions (GeoJSON)"))),
                DistributionSpec(f"{api}/contributions.csv", "csv",
                                 _in_languages(N_("Contributions (CSV)"))),
                DistributionSpec(f"{api}/results.geojson", "geojson",
                                 _in_languages(N_("Result (GeoJSON)"))),
                DistributionSpec(f"{api}/results.csv", "csv", _in_languages(N_("Result (CSV)"))),
            ),
            attribution=p.body,
            centroid=(round(c.y, 6), round(c.x, 6)),
            state_key=HAMBURG_STATE if p.city == "hamburg" else None,
            temporal=(dt.date.fromisoformat(start),
                      dt.date.fromisoformat(end) if end else None) if start else None,
            modified=p.updated_at,
            landing_page=f"proceedings/{p.id}",
        ))
    return specs
