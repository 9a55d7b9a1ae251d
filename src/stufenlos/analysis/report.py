"""Outputs of an analysis: GeoJSON, CSV and Parquet tables and an accessible HTML report.

Every chart in the report is an inline SVG with a caption, a text summary and the
data as a table, so screen-reader users get the same content (WCAG 1.1.1, 1.4.1:
colour is never the only carrier; values are in the table and in each shape's
title).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from stufenlos._util import atomic_write_bytes, csv_frame
from stufenlos.analysis.access import AccessResult
from stufenlos.analysis.areas import GROUPS
from stufenlos.analysis.ranking import Ranking
from stufenlos.analysis.stations import StationAnalysis
from stufenlos.geo import LocalProjection
from stufenlos.i18n import (
    N_,
    Translator,
    format_number,
    say,
    template_callables,
    translator,
)
from stufenlos.profiles.labels import profile_label

__all__ = ["HEADLINE_ORDER", "headline", "report_context", "write_outputs"]

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[1] / "api" / "templates"
#: categories preferred for the headline map, in order
HEADLINE_ORDER = ("pharmacy", "doctors", "supermarket", "step_free_station", "step_free_stop",
                  "stop", "station")
#: ColorBrewer YlOrRd, 5 classes (sequential, readable for colour-blind people)
_PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


def headline(result: AccessResult) -> tuple[str, str, str]:
    """(category, restricted profile, budget label) the report leads with."""
    cats = result.setup.category_names
    cat = next((c for c in HEADLINE_ORDER if c in cats), cats[0])
    others = [p for p in result.profiles if p != "standard"]
    prof = others[0] if others else result.profiles[0]
    return cat, prof, f"{result.budgets_min[-1]:g}"


def _fmt_int(x: Any, lang: str = "en") -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if np.isnan(v) else format_number(v, lang)


def _pct(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if np.isnan(v) else f"{100 * v:.0f} %"


def _choropleth(result: AccessResult, values: np.ndarray, labels: Sequence[str],
                title_id: str) -> Markup:
    geoms = result.setup.areas.geometry
    lonlat = np.vstack([np.asarray(shapely.get_coordinates(g)) for g in geoms])
    proj = LocalProjection(float(lonlat[:, 0].mean()), float(lonlat[:, 1].mean()))
    xy = proj.to_xy(lonlat)
    x0, y0 = xy.min(axis=0)
    x1, y1 = xy.max(axis=0)
    width = 640.0
    scale = width / max(x1 - x0, 1.0)
    # drop detail finer than half a pixel: the table carries the exact values
    shapes = shapely.simplify(shapely.transform(np.asarray(geoms), proj.to_xy),
                              0.5 / scale, preserve_topology=True)
    height = max((y1 - y0) * scale, 50.0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
             f'{height + 40:.0f}" role="img" aria-labelledby="{title_id}" class="chart">']
    for geom, v, label in zip(shapes, values, labels, strict=True):
        polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
        d = ""
        for poly in polys:
            pts = np.asarray(poly.exterior.coords)
            px = (pts[:, 0] - x0) * scale
            py = height - (pts[:, 1] - y0) * scale
            d += "M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + "Z"
        if np.isnan(v):
            fill = "#ffffff"
        else:
            fill = _PALETTE[min(int(v * len(_PALETTE)), len(_PALETTE) - 1)] if v > 0 \
                else "#f7f7f7"
        parts.append(f'<path d="{d}" fill="{fill}" stroke="#555" stroke-width="0.6">'
                     f'<title>{escape(label)}</title></path>')
    for i, col in enumerate(_PALETTE):
        parts.append(f'<rect x="{10 + i * 90}" y="{height + 12:.0f}" width="20" height="14" '
                     f'fill="{col}" stroke="#555"/><text x="{34 + i * 90}" '
                     f'y="{height + 24:.0f}" font-size="12">{i * 20}–{(i + 1) * 20} %</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _bars(items: Sequence[tuple[str, float]], title_id: str, unit: str,
          lang: str = "en") -> Markup:
    if not items:
        return Markup("")
    top = max(max(v for _, v in items), 1.0)
    row = 26
    width = 640
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
             f'{row * len(items) + 10}" role="img" aria-labelledby="{title_id}" class="chart">']
    for i, (label, v) in enumerate(items):
        w = 360 * v / top
        y = 5 + i * row
        value = format_number(v, lang)
        parts.append(f'<text x="228" y="{y + 16}" font-size="13" text-anchor="end">'
                     f'{escape(label[:34])}</text>'
                     f'<rect x="234" y="{y + 3}" width="{w:.1f}" height="18" fill="#08519c">'
                     f'<title>{escape(label)}: {value} {escape(unit)}</title></rect>'
                     f'<text x="{240 + w:.1f}" y="{y + 16}" font-size="13">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _enter_cell(result: AccessResult, profile: str, cat: str, bl: str,
                covered: float, lang: str) -> dict[str, Any]:
    """People who can *enter* a place of ``cat`` within ``bl`` minutes, and those who
    reach one only of unknown access (empty for categories that are not places)."""
    m = result.measures[profile]
    if cat not in m.enter_categories or m.enter_count is None or m.unknown_count is None:
        return {}
    ei = m.enter_categories.index(cat)
    bi = [f"{b:g}" for b in result.budgets_min].index(bl)
    pop = result.setup.origins["population"].to_numpy(np.float64)
    can = m.enter_count[:, ei, bi] > 0
    unknown = ~can & (m.unknown_count[:, ei, bi] > 0)
    enter = float(pop[can].sum())
    return {"enter": _fmt_int(enter, lang),
            "enter_share": _pct(enter / covered if covered else np.nan),
            "unknown": _fmt_int(float(pop[unknown].sum()), lang)}


def report_context(result: AccessResult, *, stations: StationAnalysis | None = None,
                   ranking: Ranking | None = None, lang: str = "en") -> dict[str, Any]:
    """Everything the report templates show, already formatted, in ``lang``.

    Parameters
    ----------
    result
        The analysis.
    stations, ranking
        Optional station analysis and ranked fixes.
    lang
        ``de``, ``en`` or ``ls``: titles, summaries, column names, category, group and
        profile labels and numbers are written in it.

    Returns
    -------
    dict
        The ``r`` of ``analysis/_body.html``.
    """
    t = translator(lang)
    tab = result.area_table()
    setup = result.setup
    cat, prof, bl = headline(result)
    groups = result.groups()
    cats = setup.categories

    def num(x: Any) -> str:
        return _fmt_int(x, lang)

    def label(c: str) -> str:  # built-in labels are msgids, a file's label is kept
        return t.gettext(cats[c].label)

    summary = []
    for c in setup.category_names:
        row: dict[str, Any] = {"category": label(c), "profiles": []}
        for p in result.profiles:
            people = float(tab[f"{p}.{c}.population_{bl}"].sum())
            covered = float(tab["covered_population"].sum())
            cell = {"profile": p, "people": num(people),
                    "share": _pct(people / covered if covered else np.nan)}
            cell.update(_enter_cell(result, p, c, bl, covered, lang))
            row["profiles"].append(cell)
        summary.append(row)
    ctx: dict[str, Any] = {
        "city": setup.city.config.title, "city_name": setup.city.name,
        "profiles": result.profiles,
        "profile_labels": [profile_label(p, lang) for p in result.profiles],
        "budgets": [f"{b:g}" for b in result.budgets_min],
        "categories": [label(c) for c in setup.category_names],
        "notes": [say(n, lang) for n in result.notes],
        "scheduler": result.scheduler, "summary": summary, "budget": bl,
        "weighted": setup.areas.weighted, "groups": [t.gettext(GROUPS[g]) for g in groups],
    }
    covered = tab[tab["covered_population"] > 0]
    if "standard" in result.profiles and prof != "standard":
        gap_col = f"gap.{prof}.{cat}.share_{bl}"
        people_col = f"gap.{prof}.{cat}.population_{bl}"
        values = tab[gap_col].to_numpy(np.float64)
        values = np.where(tab["covered_population"] > 0, values, np.nan)
        labels = [t.gettext("{area}: {share} gap", area=n, share=_pct(v)) if not np.isnan(v)
                  else t.gettext("{area}: not covered", area=n)
                  for n, v in zip(tab["name"], values, strict=True)]
        rows = covered.sort_values([people_col, "area_id"], ascending=[False, True])
        total_gap = float(covered[people_col].sum())
        names = {"category": label(cat), "budget": bl, "profile": profile_label(prof, lang),
                 "standard": profile_label("standard", lang)}
        facts = {"gap": num(total_gap), "covered": num(covered["covered_population"].sum()),
                 **names}
        text = (t.gettext("{gap} of {covered} covered residents reach {category} within "
                          "{budget} min walking, but not with the profile “{profile}”.",
                          **facts) if setup.areas.weighted else
                t.gettext("{gap} of {covered} covered sample points (no population data) "
                          "reach {category} within {budget} min walking, but not with the "
                          "profile “{profile}”.", **facts))
        if total_gap > 0 and len(rows):
            text += " " + t.gettext("The largest gap is in {area}.", area=rows["name"].iloc[0])
        ctx["map"] = {
            "svg": _choropleth(result, values, labels, "map-title"),
            "title": t.gettext("Gap in access to {category} within {budget} min: "
                               "“{standard}” minus “{profile}”", **names),
            "summary": text,
            "columns": [t.gettext("Area"), t.gettext("Residents covered"),
                        t.gettext("Share “{standard}” ({budget} min)", **names),
                        t.gettext("Share “{profile}”", **names), t.gettext("Gap (share)"),
                        t.gettext("People affected")],
            "rows": [[r["name"], num(r["covered_population"]),
                      _pct(r[f"standard.{cat}.share_{bl}"]), _pct(r[f"{prof}.{cat}.share_{bl}"]),
                      _pct(r[gap_col]), num(r[people_col])] for _, r in rows.iterrows()],
        }
    if ranking is not None:
        top = ranking.table.head(15)
        key = f"gained_{ranking.group}"
        ctx["ranking"] = {
            "svg": _bars([(str(r["candidate"]), float(r[key])) for _, r in top.iterrows()],
                         "ranking-title", t.gettext("people"), lang),
            "title": t.gettext("Candidate fixes ranked by people who gain access"),
            "summary": say(ranking.summary, lang),
            "columns": [t.gettext("Rank"), t.gettext("Fix"), t.gettext("People gaining"),
                        t.gettext("People losing")],
            "rows": [[int(r["rank"]), r["candidate"], num(r[key]),
                      num(r[key.replace("gained", "lost")])] for _, r in top.iterrows()],
        }
    if stations is not None:
        st_rank = stations.ranking.head(15)
        a = stations.areas
        share = _pct(a["age65_within"].sum() / a["age65"].sum())
        ctx["stations"] = {
            "notes": [say(n, lang) for n in stations.notes],
            "distance": f"{stations.distance_m:g}",
            "title": t.gettext("Stations that are not step-free, by residents 65+ who would "
                               "gain a step-free station within reach"),
            "svg": _bars([(str(r["name"]), float(r["age65_gaining"]))
                          for _, r in st_rank.iterrows()], "stations-title",
                         t.gettext("residents 65+"), lang),
            "summary": (t.gettext("{share} of residents aged 65+ live within {distance} m of "
                                  "a step-free station.", share=share,
                                  distance=f"{stations.distance_m:g}")
                        + " " + say(stations.ranking_summary, lang)),
            "columns": [t.gettext("Rank"), t.gettext("Station"), t.gettext("Step-free"),
                        t.gettext("65+ gaining"), t.gettext("People gaining")],
            "rows": [[int(r["rank"]), r["name"], _step_free(r["step_free"], t),
                      num(r["age65_gaining"]), num(r["population_gaining"])]
                     for _, r in st_rank.iterrows()],
            "area_columns": [t.gettext("Area"), t.gettext("Residents 65+"),
                             t.gettext("65+ within reach"), t.gettext("Share"),
                             t.gettext("Method")],
            "area_rows": [[r["name"], num(r["age65"]), num(r["age65_within"]),
                           _pct(r["age65_share_within"]), r["method"]]
                          for _, r in a.sort_values("age65_share_within").iterrows()],
        }
    return ctx


def _step_free(value: Any, t: Translator) -> str:
    """A station's step-free status (``yes``/``no``/``partial``/``unknown``) in words."""
    words = {"yes": N_("yes"), "no": N_("no"), "partial": N_("partly"),
             "unknown": N_("unknown")}
    word = words.get(str(value))
    return t.gettext(word) if word else str(value)


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)),
                       autoescape=select_autoescape(["html"]))


def render_report(ctx: dict[str, Any], *, lang: str = "en") -> str:
    """The standalone HTML report, in ``lang`` (the language ``ctx`` was made in)."""
    return _env().get_template("analysis/report.html").render(
        r=ctx, lang=lang, html_lang="de" if lang in ("de", "ls") else "en",
        **template_callables(lang))


def _geojson(result: AccessResult) -> dict[str, Any]:
    tab = result.area_table()
    cat, _, bl = headline(result)
    keep = ["area_id", "name", *[c for c in tab if c.startswith("covered_")]]
    keep += [c for c in tab if c.endswith(f".share_{bl}") or c.endswith(".nearest_min")]
    feats = []
    # 1e-6 degrees is about 0.1 m: plenty for areas, and a third of the file size
    geoms = shapely.set_precision(np.asarray(result.setup.areas.geometry), 1e-6)
    for geom, rec in zip(geoms, tab[keep].to_dict("records"), strict=True):
        props = {k: (None if isinstance(v, float) and np.isnan(v) else v)
                 for k, v in rec.items()}
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                      "properties": props})
    return {"type": "FeatureCollection", "features": feats,
            "properties": {"headline_category": cat, "budget_min": float(bl),
                           "notes": result.notes}}


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def write_outputs(result: AccessResult, folder: str | Path, *,
                  stations: StationAnalysis | None = None,
                  ranking: Ranking | None = None) -> list[Path]:
    """Write ``areas.csv/.parquet/.geojson``, ``origins.parquet``, ``summary.json``,
    ``report.html`` (and the station tables) into ``folder``; each file atomically."""
    out = Path(folder)
    files: dict[str, bytes] = {}
    tab = result.area_table()
    files["areas.csv"] = csv_frame(tab).encode("utf-8")
    files["areas.parquet"] = _parquet_bytes(tab)
    files["areas.geojson"] = json.dumps(_geojson(result), allow_nan=False).encode("utf-8")
    files["origins.parquet"] = _parquet_bytes(result.origin_table())
    summary = {"city": result.setup.city.name, "profiles": result.profiles,
               "budgets_min": result.budgets_min, "categories": result.setup.category_names,
               "mode": result.travel, "transit": result.transit,
               "notes": result.notes, "totals": result.totals(),
               "origins": len(result.setup.origins), "areas": len(result.setup.areas)}
    if stations is not None:
        files["stations_areas.csv"] = csv_frame(stations.areas).encode("utf-8")
        if not stations.ranking.empty:
            files["stations_ranking.csv"] = csv_frame(stations.ranking).encode("utf-8")
        summary["stations"] = {"distance_m": stations.distance_m, "notes": stations.notes,
                               "ranking_summary": stations.ranking_summary,
                               "top": stations.ranking.head(10).to_dict("records")}
    if ranking is not None:
        summary["ranking"] = {k: v for k, v in ranking.to_dict().items() if k != "ranking"}
        if not ranking.empty:
            files["ranking.csv"] = csv_frame(ranking.table).encode("utf-8")
    files["summary.json"] = json.dumps(summary, indent=2, default=str).encode("utf-8")
    ctx = report_context(result, stations=stations, ranking=ranking)
    files["report.html"] = render_report(ctx).encode("utf-8")
    written = []
    for name, data in files.items():
        atomic_write_bytes(out / name, data)
        written.append(out / name)
    return written
