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

from stufenlos._version import __version__
from stufenlos.barriers import extract_barriers, write_city_database
from stufenlos.builder import build_network
from stufenlos.config import CityConfig, data_dir
from stufenlos.errors import CityConfigError, UnknownCityError
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
        net.save(build_dir / "network")
        write_city_database(
            build_dir / "city.sqlite", barriers, {"city": config.name, "summary": summary.to_dict()}
        )
        (build_dir / "city.json").write_text(config.model_dump_json(indent=2))
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
