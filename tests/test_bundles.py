"""The bundled city data: configs load, files exist, licences and checksums are documented."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import re
import sqlite3
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stufenlos.config import CityConfig, load_city_config
from tests._need import SHARED, need

ROOT = Path(__file__).resolve().parents[1]
CITIES_DIR = ROOT / "data" / "cities"
CITY_DIRS = sorted(p.parent for p in CITIES_DIR.glob("*/city.toml"))
# files that describe a folder rather than hold its data
NOT_DATA = {"README.md", "city.toml"}
# a README table row: | `relative/path` | bytes | `sha256` |
ROW = re.compile(r"^\|\s*`(?P<path>[^`]+)`\s*\|[^|]*\|\s*`(?P<sha>[0-9a-f]{64})`\s*\|\s*$")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _listed(readme: Path) -> dict[str, str]:
    """``{relative path: sha256}`` from the file table of a README."""
    listed: dict[str, str] = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            assert m["path"] not in listed, f"{readme}: {m['path']} listed twice"
            listed[m["path"]] = m["sha"]
    return listed


def _data_files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name not in NOT_DATA
    }


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(params=CITY_DIRS, ids=[p.name for p in CITY_DIRS])
def city(request: pytest.FixtureRequest) -> CityConfig:
    return load_city_config(request.param)


def test_the_four_cities_are_bundled() -> None:
    assert [p.name for p in CITY_DIRS] == ["hamburg", "heidelberg", "helsinki", "herrenberg"]


def test_config_loads_and_inputs_exist(city: CityConfig) -> None:
    assert city.folder is not None
    assert city.name == city.folder.name
    assert city.title
    assert city.center is not None
    city.check_inputs()
    for spec in city.inputs:
        assert city.resolve(spec.path).is_file(), spec.path
        # bundled inputs live inside the city folder, so the bundle is self-contained
        assert not Path(spec.path).is_absolute()
        assert city.resolve(spec.path).resolve().is_relative_to(city.folder)


def test_osm_source_with_odbl_attribution(city: CityConfig) -> None:
    assert city.inputs_of("osm"), "every city needs an OSM input"
    osm = [s for s in city.sources if s.licence == "ODbL-1.0"]
    assert osm, "no ODbL source"
    assert any(s.attribution == "© OpenStreetMap contributors" for s in osm)


def test_every_source_is_attributed_in_readme(city: CityConfig) -> None:
    assert city.folder is not None
    readme = _squash((city.folder / "README.md").read_text(encoding="utf-8"))
    for source in city.sources:
        assert source.licence
        assert _squash(source.attribution) in readme, source.attribution


@pytest.mark.parametrize("folder", CITY_DIRS, ids=lambda p: p.name)
def test_readme_lists_every_file_with_matching_sha256(folder: Path) -> None:
    listed = _listed(folder / "README.md")
    present = _data_files(folder)
    assert sorted(present - listed.keys()) == [], "files missing from the README"
    assert sorted(listed.keys() - present) == [], "README lists files that do not exist"
    for rel, sha in listed.items():
        assert _sha256(folder / rel) == sha, f"{folder.name}/{rel}: sha256 differs from README"


def test_station_osm_fixtures_match_their_readme() -> None:
    # tests/data is shared by many tests; check the OSM XML files documented in its README
    folder = ROOT / "tests" / "data"
    listed = _listed(folder / "README.md")
    assert {p.name for p in folder.glob("kosmindoormap_*.osm")} <= listed.keys()
    for rel, sha in listed.items():
        assert _sha256(folder / rel) == sha, f"tests/data/{rel}: sha256 differs from README"


def test_hamburg_area_fields_exist_in_the_data() -> None:
    cfg = load_city_config(CITIES_DIR / "hamburg")
    stats, profile = cfg.inputs_of("areas")
    geo = json.loads(cfg.resolve(stats.path).read_text(encoding="utf-8"))
    assert len(geo["features"]) == 99
    fields = {k: v for k, v in stats.options.items() if k.endswith("_field")}
    assert "population_field" in fields
    assert "age65_share_field" in fields
    for feature in geo["features"]:
        for key in fields.values():
            assert key in feature["properties"], key
    assert sum(f["properties"][fields["population_field"]] for f in geo["features"]) == 1_873_101
    shares = [f["properties"][fields["age65_share_field"]] for f in geo["features"]]
    assert 3 < min(shares) < max(shares) < 34
    assert cfg.resolve(stats.options["labels"]).is_file()

    assert profile.options["format"] == "stadtteilprofile"
    prof = json.loads(cfg.resolve(profile.path).read_text(encoding="utf-8"))
    attr_keys = {a["key"] for a in prof["attrs"]}
    for key, value in profile.options.items():
        if key.endswith("_key"):
            assert value in attr_keys, f"{key} = {value!r} is not an indicator of the profile"
    assert len(prof["data"]) == 99
    assert prof["hamburg"]["bevoelkerung"] == 1_973_896


def test_helsinki_population_fields_exist_in_the_geopackage() -> None:
    cfg = load_city_config(CITIES_DIR / "helsinki")
    (spec,) = cfg.inputs_of("population")
    con = sqlite3.connect(f"file:{cfg.resolve(spec.path)}?mode=ro", uri=True)
    try:
        layer = spec.options["layer"]
        tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
        assert layer in tables
        columns = {r[1] for r in con.execute(f'PRAGMA table_info("{layer}")')}
        assert {spec.options["population_field"], spec.options["id_field"]} <= columns
        total = con.execute(f'SELECT sum("{spec.options["population_field"]}") FROM "{layer}"')
        assert total.fetchone()[0] == 71_724
    finally:
        con.close()


@pytest.mark.parametrize(
    ("name", "count", "in_city"),
    [("hamburg", 72, 57), ("heidelberg", 22, 0)],
)
def test_db_stations_are_valid_records(name: str, count: int, in_city: int) -> None:
    cfg = load_city_config(CITIES_DIR / name)
    (spec,) = cfg.inputs_of("stations")
    lines = cfg.resolve(spec.path).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == count
    assert len({r["id"] for r in records}) == count
    assert sum(r["address"]["city"].startswith("Hamburg") for r in records) == in_city
    for r in records:
        assert -180 <= r["location"]["longitude"] <= 180
        assert -90 <= r["location"]["latitude"] <= 90
        assert r.get("hasSteplessAccess") in {"yes", "no", "partial", None}


def _extract_module() -> ModuleType:
    path = ROOT / "data" / "tools" / "extract_db_stations.py"
    spec = importlib.util.spec_from_file_location("extract_db_stations", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXTRACT = _extract_module()
SHARED_STATIONS = SHARED / "germany" / "db_stations_full.ndjson.gz"


@pytest.mark.parametrize(
    ("name", "prefix", "bbox"),
    [
        ("hamburg", "Hamburg", (9.7301309, 53.3950109, 10.3252768, 53.7394373)),
        ("heidelberg", None, (8.466, 49.318, 8.758, 49.553)),
    ],
)
def test_bundled_stations_are_reproducible(
    tmp_path: Path, name: str, prefix: str | None, bbox: tuple[float, float, float, float]
) -> None:
    need(SHARED_STATIONS.exists(), f"the db-stations dump {SHARED_STATIONS} is not there")
    out = tmp_path / "stations.ndjson"
    EXTRACT.extract(SHARED_STATIONS, out, prefix, bbox)
    assert out.read_bytes() == (CITIES_DIR / name / "db_stations.ndjson").read_bytes()


_coord = st.floats(min_value=-10, max_value=10, allow_nan=False)
_station = st.fixed_dictionaries(
    {
        "id": st.text(alphabet="0123456789", min_size=1, max_size=6),
        "address": st.fixed_dictionaries(
            {"city": st.sampled_from(["Hamburg", "Hamburg-Harburg", "Pinneberg", ""])}
        ),
        "location": st.fixed_dictionaries({"longitude": _coord, "latitude": _coord}),
    }
)


@settings(max_examples=50, deadline=None)
@given(
    stations=st.lists(_station, max_size=20),
    corner=st.tuples(_coord, _coord),
    size=st.tuples(st.floats(0, 10), st.floats(0, 10)),
    prefix=st.sampled_from([None, "Hamburg"]),
)
def test_extract_keeps_exactly_the_matching_lines_in_order(
    tmp_path_factory: pytest.TempPathFactory,
    stations: list[dict],
    corner: tuple[float, float],
    size: tuple[float, float],
    prefix: str | None,
) -> None:
    folder = tmp_path_factory.mktemp("extract")
    bbox = (corner[0], corner[1], corner[0] + size[0], corner[1] + size[1])
    lines = [json.dumps(s, ensure_ascii=False).encode() + b"\n" for s in stations]
    source = folder / "full.ndjson.gz"
    with gzip.open(source, "wb") as fh:
        fh.writelines(lines)
    target = folder / "out.ndjson"
    n = EXTRACT.extract(source, target, prefix, bbox)

    def wanted(s: dict) -> bool:
        lon, lat = s["location"]["longitude"], s["location"]["latitude"]
        in_box = bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]
        return in_box or bool(prefix and s["address"]["city"].startswith(prefix))

    expected = [line for line, s in zip(lines, stations, strict=True) if wanted(s)]
    assert target.read_bytes() == b"".join(expected)
    assert n == len(expected)
