"""Import a city: read its inputs, build the network and barrier layer, write both.

A city's imported data lives in ``<data_dir>/<name>``, which is a symbolic link
to a build folder. A new import is written to a fresh folder and the link is
swapped with one atomic rename, so an interrupted or failed import leaves the
previously imported city untouched and readers never see a half-written city.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from stufenlos._version import __version__
from stufenlos.barriers import extract_barriers, write_city_database
from stufenlos.builder import build_network
from stufenlos.config import CityConfig, data_dir
from stufenlos.errors import CityConfigError, StufenlosError, UnknownCityError
from stufenlos.ingest.basemap import write_basemap
from stufenlos.ingest.geojson import GEOJSON_SUFFIXES, read_overpass_geojson
from stufenlos.ingest.ogc_features import read_ogc_inputs, write_ogc_layers
from stufenlos.ingest.osm import read_osm
from stufenlos.ingest.raw import RawOsm
from stufenlos.venues import import_venues

if TYPE_CHECKING:
    from stufenlos.network import Network

__all__ = ["ImportSummary", "import_city", "read_osm_input"]

logger = logging.getLogger(__name__)

_STAGES = ("read", "select walkable ways", "split ways into segments", "link elevators",
           "attach attributes", "measure rest points", "make directed arcs", "barriers",
           "write")  # fmt: skip


@dataclass
class ImportSummary:
    """What one import produced; printed by ``stufenlos import`` and ``summary``."""

    city: str
    title: str
    nodes: int
    edges: int
    segments: int
    network_km: float
    barriers: dict[str, int]
    unknown_share: dict[str, float]
    largest_component_share: float
    excluded_ways: dict[str, int]
    seconds: float
    imported_at: str
    inputs: list[dict[str, Any]] = field(default_factory=list)
    transit: dict[str, Any] | None = None
    #: live closures (in the application database) that name ground in this network
    closures_matched: int = 0
    #: those that name nothing here any more (their way is gone): ``id: what``
    closures_unmatched: list[str] = field(default_factory=list)
    #: layers read from OGC API – Features inputs (:mod:`stufenlos.ingest.ogc_features`)
    ogc_layers: list[dict[str, Any]] = field(default_factory=list)
    version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    def to_text(self) -> str:
        """A short human-readable report."""
        lines = [
            f"{self.title} ({self.city}): imported in {self.seconds:.1f} s",
            f"  network: {self.nodes:,} nodes, {self.edges:,} directed edges "
            f"({self.segments:,} segments), {self.network_km:,.1f} km walkable; "
            f"largest connected part {self.largest_component_share:.1%} of nodes",
            "  unknown (share of segments): "
            + ", ".join(f"{k} {v:.0%}" for k, v in self.unknown_share.items()),
            "  barriers: "
            + (
                ", ".join(
                    f"{k} {v:,}"
                    for k, v in sorted(self.barriers.items(), key=lambda kv: (-kv[1], kv[0]))
                )
                or "none"
            ),
        ]
        if self.transit:
            t = self.transit
            lines.append(
                f"  timetable: {t['stops']:,} stops, {t['routes']:,} routes, "
                f"{t['trips']:,} trips, service {t['service']}"
            )
        if self.ogc_layers:
            from stufenlos.ingest.ogc_features import OgcLayer

            lines += [f"  places: {OgcLayer(**x).describe()}" for x in self.ogc_layers]
        if self.closures_matched or self.closures_unmatched:
            lines.append(
                f"  live closures: {self.closures_matched} apply to this network, "
                f"{len(self.closures_unmatched)} name ground it no longer has"
                + "".join(f"\n    {x}" for x in self.closures_unmatched)
            )
        return "\n".join(lines)

    @classmethod
    def read(cls, folder: str | os.PathLike[str]) -> ImportSummary:
        """Read the summary an import wrote into the city folder."""
        path = Path(folder) / "summary.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            msg = f"{Path(folder).name!r} is not imported yet ({path} missing)"
            raise UnknownCityError(msg) from None
        return cls(**data)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_osm_input(path: Path) -> RawOsm:
    """Read one OSM input: an OSM file or an Overpass GeoJSON export."""
    if path.name.lower().endswith(GEOJSON_SUFFIXES):
        return read_overpass_geojson(path)
    return read_osm(path)


def import_city(
    config: CityConfig,
    *,
    base: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> ImportSummary:
    """Import ``config``'s inputs into ``<base>/<name>`` (default :func:`data_dir`).

    On any error the previous import of the city stays as it was.
    """
    from stufenlos import _graph

    t0 = time.perf_counter()
    config.check_inputs()
    osm_paths = config.input_paths("osm")
    if not osm_paths:
        where = config.folder / "city.toml" if config.folder else config.name
        msg = f"{where}: no input of kind 'osm' (the pedestrian network needs one)"
        raise CityConfigError(msg)
    root = Path(base) if base is not None else data_dir()
    root.mkdir(parents=True, exist_ok=True)
    _migrate_legacy_closures(root, config)
    bar = tqdm(
        total=len(_STAGES),
        desc=f"import {config.name}",
        unit="step",
        disable=not progress,
        leave=False,
    )

    def step(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update(1)

    build_dir = Path(tempfile.mkdtemp(prefix=f".{config.name}.", dir=root))
    try:
        bar.set_postfix_str("read")
        places, ogc_layers = read_ogc_inputs(config)  # web inputs first: fail early
        raws = [read_osm_input(p) for p in osm_paths]
        bar.update(1)
        net, report = build_network(raws, step=step)
        step("barriers")
        barriers = extract_barriers(net, unlinked_elevators=report.unlinked_elevators)
        import_venues(osm_paths, barriers, build_dir)  # and the barriers' check dates
        step("write")
        seg = net.segments()
        unknown = {
            "surface": float(seg["surface"].isna().mean()),
            "width": float(seg["width_m"].isna().mean()),
            "incline": float((seg["incline_pct"].isna() & (seg["incline_dir"] == 0)).mean()),
            "smoothness": float(seg["smoothness"].isna().mean()),
        }
        comp = np.bincount(net.nodes["component"].to_numpy())
        summary = ImportSummary(
            city=config.name,
            title=config.title,
            nodes=net.n_nodes,
            edges=net.n_edges,
            segments=len(seg),
            network_km=round(net.total_length_km(), 3),
            barriers=dict(Counter(b["kind"] for b in barriers)),
            unknown_share={k: round(v, 4) for k, v in unknown.items()},
            largest_component_share=round(float(comp.max() / comp.sum()), 4),
            excluded_ways=dict(report.excluded.most_common()),
            seconds=0.0,
            imported_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            inputs=[
                {
                    "kind": s.kind,
                    "path": str(config.resolve(s.path)),
                    "sha256": _sha256(config.resolve(s.path)),
                } if s.path is not None else {"kind": s.kind, "url": s.url}
                for s in config.inputs
            ],
            ogc_layers=[asdict(x) for x in ogc_layers],
        )
        net.meta.update(
            {
                "city": config.name,
                "imported_at": summary.imported_at,
                "version": __version__,
                "inputs": summary.inputs,
            }
        )
        summary.transit = _import_timetable(config, build_dir, net)
        net.save(build_dir / "network")
        _graph.save_topologies(net, build_dir / "network")  # loading skips building them
        write_basemap(osm_paths, build_dir)  # water, buildings, places, addresses
        write_city_database(
            build_dir / "city.sqlite", barriers, {"city": config.name, "summary": summary.to_dict()}
        )
        (build_dir / "city.json").write_text(config.model_dump_json(indent=2))
        write_ogc_layers(build_dir, places, ogc_layers)
        summary.closures_matched, summary.closures_unmatched = _check_closures(
            root, config.name, net, build_dir)
        summary.seconds = round(time.perf_counter() - t0, 2)
        (build_dir / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2))
        _swap_in(root, config.name, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    finally:
        bar.close()
    logger.info("imported %s in %.1f s", config.name, summary.seconds)
    return summary


def _import_timetable(config: CityConfig, build_dir: Path, net: Network) -> dict[str, Any] | None:
    """Validate the city's first GTFS feed and keep a copy beside the network, with
    the stop verdicts and walks between stops built from it (:mod:`stufenlos.transit.stored`).

    A feed that fails validation fails the import (the old city stays).
    """
    gtfs = config.input_paths("gtfs")
    if not gtfs:
        return None
    from stufenlos.ingest.gtfs import Feed
    from stufenlos.routing import Router
    from stufenlos.transit.feed import imported_feed
    from stufenlos.transit.stored import write_stored_transit

    feed = Feed(gtfs[0])  # validated once; the stored artefacts reuse its tables
    path = imported_feed(feed, build_dir / "transit")
    write_stored_transit(config, build_dir / "transit", path, Router(net), feed=feed)
    period = feed.service_period()
    service = f"{period[0]} to {period[1]}" if period else "unknown"
    return {
        "feed": gtfs[0].name,
        "stops": len(feed.stops),
        "routes": len(feed.routes),
        "trips": len(feed.trips),
        "service": service,
    }


def _migrate_legacy_closures(root: Path, config: CityConfig) -> None:
    """Move an earlier version's ``overrides.json`` into the database while the
    network its arc numbers refer to is still the imported one."""
    from stufenlos.city import City, overrides_path

    if overrides_path(config.name, root).exists() and (root / config.name / "network").exists():
        _ = City(config=config, folder=root / config.name).closures


def _check_closures(root: Path, name: str, net: Any, build_dir: Path) -> tuple[int, list[str]]:
    """How many of the city's live closures name ground in the new network.

    Closures are keyed by OSM ids (:mod:`stufenlos.closures`), so an import
    changes nothing about them; this only tells the operator which ones no
    longer match (a way removed from OSM, say). Nothing is read when there is
    no application database yet.
    """
    from stufenlos.barriers import BarrierStore
    from stufenlos.closures import ClosureStore
    from stufenlos.db import database_url

    url = database_url(root)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0, []
    barriers = BarrierStore(build_dir / "city.sqlite")

    def barrier_arcs(barrier_id: str) -> list[int]:
        record = barriers.get(barrier_id)
        return [int(i) for i in (record or {}).get("edge_ids") or []]

    store = ClosureStore(name, url, barrier_resolver=barrier_arcs)
    matched, unmatched = 0, []
    for c in store.active():
        try:
            store.resolve(net, c)
            matched += 1
        except StufenlosError:
            unmatched.append(f"{c.id}: {c.describe()}")
            logger.warning("%s: closure %d (%s) names nothing in the new network", name, c.id,
                           c.describe())
    return matched, unmatched


def _swap_in(root: Path, name: str, build_dir: Path) -> None:
    """Point ``root/name`` at ``build_dir`` atomically and remove the old build."""
    link = root / name
    old: Path | None = None
    if link.is_symlink():
        old = (root / os.readlink(link)).resolve()
    elif link.exists():
        # a plain folder from elsewhere: move it aside first (not atomic, once only)
        old = root / f".{name}.replaced"
        shutil.rmtree(old, ignore_errors=True)
        link.rename(old)
    tmp_link = root / f".{name}.link-{os.getpid()}"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(build_dir.name)
    os.replace(tmp_link, link)
    if old is not None and old != build_dir.resolve():
        shutil.rmtree(old, ignore_errors=True)
