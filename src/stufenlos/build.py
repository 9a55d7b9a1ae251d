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
from typing import Any

import numpy as np
from tqdm import tqdm

from stufenlos._util import atomic_write_bytes
from stufenlos._version import __version__
from stufenlos.barriers import extract_barriers, write_city_database
from stufenlos.builder import build_network
from stufenlos.config import CityConfig, data_dir
from stufenlos.errors import CityConfigError, StufenlosError, UnknownCityError
from stufenlos.ingest.geojson import GEOJSON_SUFFIXES, read_overpass_geojson
from stufenlos.ingest.osm import read_osm
from stufenlos.ingest.raw import RawOsm

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
    closures_carried: int = 0
    closures_dropped: list[str] = field(default_factory=list)
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
        if self.closures_carried or self.closures_dropped:
            lines.append(
                f"  live closures carried over: {self.closures_carried}, "
                f"dropped (their way is gone): {len(self.closures_dropped)}"
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
    t0 = time.perf_counter()
    config.check_inputs()
    osm_paths = config.input_paths("osm")
    if not osm_paths:
        where = config.folder / "city.toml" if config.folder else config.name
        msg = f"{where}: no input of kind 'osm' (the pedestrian network needs one)"
        raise CityConfigError(msg)
    root = Path(base) if base is not None else data_dir()
    root.mkdir(parents=True, exist_ok=True)
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
        raws = [read_osm_input(p) for p in osm_paths]
        bar.update(1)
        net, report = build_network(raws, step=step)
        step("barriers")
        barriers = extract_barriers(net, unlinked_elevators=report.unlinked_elevators)
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
                }
                for s in config.inputs
            ],
        )
        net.meta.update(
            {
                "city": config.name,
                "imported_at": summary.imported_at,
                "version": __version__,
                "inputs": summary.inputs,
            }
        )
        summary.transit = _import_timetable(config, build_dir)
        net.save(build_dir / "network")
        write_city_database(
            build_dir / "city.sqlite", barriers, {"city": config.name, "summary": summary.to_dict()}
        )
        (build_dir / "city.json").write_text(config.model_dump_json(indent=2))
        carried, dropped = _carry_over_closures(root, config.name, net)
        summary.closures_carried, summary.closures_dropped = carried, dropped
        summary.seconds = round(time.perf_counter() - t0, 2)
        (build_dir / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2))
        _swap_in(root, config.name, build_dir)
        _commit_closures(root, config.name)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        _discard_pending_closures(root, config.name)
        raise
    finally:
        bar.close()
    logger.info("imported %s in %.1f s", config.name, summary.seconds)
    return summary


def _import_timetable(config: CityConfig, build_dir: Path) -> dict[str, Any] | None:
    """Validate the city's first GTFS feed and keep a copy beside the network.

    A feed that fails validation fails the import (the old city stays).
    """
    gtfs = config.input_paths("gtfs")
    if not gtfs:
        return None
    from stufenlos.ingest.gtfs import Feed
    from stufenlos.transit.feed import imported_feed

    path = imported_feed(gtfs[0], build_dir / "transit")
    feed = Feed(path)
    period = feed.service_period()
    service = f"{period[0]} to {period[1]}" if period else "unknown"
    return {
        "feed": gtfs[0].name,
        "stops": len(feed.stops),
        "routes": len(feed.routes),
        "trips": len(feed.trips),
        "service": service,
    }


def _arc_keys(net: Any) -> list[tuple[Any, ...]]:
    """A key per arc that survives re-imports of unchanged data: way and end points."""
    e = net.edges
    lonlat = np.round(net.node_lonlat, 7)
    way = e["osm_way_id"].fillna(0).to_numpy(np.int64)
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    return list(
        zip(
            way.tolist(),
            map(tuple, lonlat[u].tolist()),
            map(tuple, lonlat[v].tolist()),
            strict=True,
        )
    )


def _carry_over_closures(root: Path, name: str, new_net: Any) -> tuple[int, list[str]]:
    """Translate closures of single arcs to the arc ids of the new network.

    Closures by OSM id or barrier id need nothing; a closure of one arc (from a
    report) names an arc id, which an import renumbers. The translated file is
    written beside the current one and put in place right after the swap.
    """
    from stufenlos.city import overrides_path
    from stufenlos.network import Network

    path = overrides_path(name, root)
    if not path.exists():
        return 0, []
    body = json.loads(path.read_text("utf-8"))
    items = body.get("overrides", [])
    arc_items = [o for o in items if o.get("kind") == "arc"]
    if not arc_items:
        return 0, []
    try:
        old_net = Network.load(root / name / "network")
    except StufenlosError:
        return 0, [str(o.get("id")) for o in arc_items]
    old_keys = _arc_keys(old_net)
    new_index = {k: i for i, k in enumerate(_arc_keys(new_net))}
    kept, dropped = [], []
    for o in items:
        if o.get("kind") != "arc":
            kept.append(o)
            continue
        ref = int(o["ref"])
        new = new_index.get(old_keys[ref]) if 0 <= ref < len(old_keys) else None
        if new is None:
            dropped.append(str(o.get("id")))
            logger.warning(
                "%s: closure %s of arc %s has no counterpart in the new network",
                name,
                o.get("id"),
                ref,
            )
            continue
        kept.append({**o, "ref": str(new)})
    pending = path.with_name(path.name + ".next")
    atomic_write_bytes(pending, json.dumps({"overrides": kept}, indent=2).encode("utf-8"))
    return len(arc_items) - len(dropped), dropped


def _discard_pending_closures(root: Path, name: str) -> None:
    from stufenlos.city import overrides_path

    path = overrides_path(name, root)
    path.with_name(path.name + ".next").unlink(missing_ok=True)


def _commit_closures(root: Path, name: str) -> None:
    from stufenlos.city import overrides_path

    path = overrides_path(name, root)
    pending = path.with_name(path.name + ".next")
    if pending.exists():
        os.replace(pending, path)


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
