"""The import command: formats, bad input (exit 2, file named, old city untouched), CLI."""

from __future__ import annotations

import bz2
import csv
import io
import json
import os
import shutil

import osmium
import pytest
from typer.testing import CliRunner

from stufenlos.city import load_city
from stufenlos.cli import app
from tests._network_testing import assert_network_equal
from tests.conftest import CITIES

runner = CliRunner()
HERRENBERG_PBF = CITIES / "herrenberg" / "herrenberg-minimal.osm.pbf"


def write_city(folder, name, osm_path, extra=""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "city.toml").write_text(
        f'name = "{name}"\ntitle = "{name}"\n\n[[inputs]]\nkind = "osm"\npath = "{osm_path}"\n'
        + extra
    )
    return folder


@pytest.fixture
def env(tmp_path, monkeypatch):
    """An empty data folder and a folder for user city configs."""
    data = tmp_path / "var"
    cities = tmp_path / "cities"
    cities.mkdir()
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(data))
    monkeypatch.setenv("STUFENLOS_CITIES_DIR", str(cities))
    return data, cities


def run(*args):
    return runner.invoke(app, [*args])


def test_help_on_every_command():
    for cmd in (
        [],
        ["import"],
        ["summary"],
        ["barriers"],
        ["city"],
        ["city", "add"],
        ["city", "list"],
    ):
        result = run(*cmd, "--help")
        assert result.exit_code == 0, (cmd, result.output)
        assert "Usage" in result.output


def test_osm_xml_and_bz2_give_the_same_network_as_pbf(env, tmp_path):
    data, cities = env
    xml = tmp_path / "herrenberg.osm"
    writer = osmium.SimpleWriter(str(xml))
    for obj in osmium.FileProcessor(str(HERRENBERG_PBF)):
        if obj.is_node():
            writer.add_node(obj)
        elif obj.is_way():
            writer.add_way(obj)
        else:
            writer.add_relation(obj)
    writer.close()
    bz = tmp_path / "herrenberg.osm.bz2"
    bz.write_bytes(bz2.compress(xml.read_bytes()))
    results = {}
    for name, path in (("hpbf", HERRENBERG_PBF), ("hxml", xml), ("hbz", bz)):
        write_city(cities / name, name, path)
        res = run("import", name, "--no-progress")
        assert res.exit_code == 0, res.output
        summary = json.loads((data / name / "summary.json").read_text())
        results[name] = (summary["nodes"], summary["edges"], summary["barriers"])
    assert results["hpbf"] == results["hxml"] == results["hbz"]
    pbf_net = load_city("hpbf", base=data).network
    assert_network_equal(pbf_net, load_city("hxml", base=data).network)
    assert_network_equal(pbf_net, load_city("hbz", base=data).network)


BAD_INPUTS = {
    "empty.osm.pbf": b"",
    "truncated.osm.pbf": HERRENBERG_PBF.read_bytes()[:60_000],
    "text.osm.pbf": b"this is not OSM data\n" * 100,
    "notxml.osm": b"hello, I am no XML\n",
    "noways.geojson": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"@id": "node/1", "barrier": "bollard"},
                    "geometry": {"type": "Point", "coordinates": [10.0, 53.5]},
                }
            ],
        }
    ).encode(),
    "badcoords.geojson": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"@id": "way/7", "highway": "footway"},
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[10.0, 53.5], [200.0, 53.5]],
                    },
                }
            ],
        }
    ).encode(),
    "broken.geojson": b'{"type": "FeatureCollection", "features": [',
    "list.geojson": b"[1, 2, 3]",
}


@pytest.mark.parametrize("filename", sorted(BAD_INPUTS))
def test_bad_input_exits_2_names_the_file_and_keeps_the_old_city(env, tmp_path, filename):
    data, cities = env
    good = write_city(cities / "town", "town", HERRENBERG_PBF)
    assert run("import", "town", "--no-progress").exit_code == 0
    before = json.loads((data / "town" / "summary.json").read_text())
    before_files = sorted(os.listdir(data))

    bad = tmp_path / filename
    bad.write_bytes(BAD_INPUTS[filename])
    write_city(good, "town", bad)
    result = run("import", "town", "--no-progress")
    assert result.exit_code == 2, result.output
    assert filename in result.output
    if filename == "badcoords.geojson":
        assert "feature 0" in result.output and "way/7" in result.output
    if filename == "broken.geojson":
        assert "line 1" in result.output
    # the previous import is untouched and no temporary folder is left behind
    after = json.loads((data / "town" / "summary.json").read_text())
    assert after == before
    assert sorted(os.listdir(data)) == before_files


def test_config_pointing_at_a_missing_file(env):
    _, cities = env
    write_city(cities / "ghost", "ghost", "does-not-exist.osm.pbf")
    result = run("import", "ghost", "--no-progress")
    assert result.exit_code == 2
    assert "does-not-exist.osm.pbf" in result.output and "city.toml" in result.output


def test_malformed_config(env):
    _, cities = env
    (cities / "bad").mkdir()
    (cities / "bad" / "city.toml").write_text('name = "bad"\ntitle = \n')
    result = run("import", "bad", "--no-progress")
    assert result.exit_code == 2
    assert "city.toml" in result.output and "invalid TOML" in result.output
    (cities / "bad" / "city.toml").write_text('name = "Bad Name!"\ntitle = "x"\n')
    result = run("city", "list")
    assert result.exit_code == 2 and "name" in result.output


def test_unknown_city(env):
    result = run("import", "atlantis")
    assert result.exit_code == 2 and "atlantis" in result.output


def test_city_add_then_import_and_export_barriers(env, tmp_path):
    data, _ = env
    own = tmp_path / "downloads"
    own.mkdir()
    shutil.copy(HERRENBERG_PBF, own / "my-town.osm.pbf")
    result = run(
        "city", "add", "mytown", "--osm", str(own / "my-town.osm.pbf"), "--title", "My Town"
    )
    assert result.exit_code == 0, result.output
    assert (data / "cities" / "mytown" / "city.toml").exists()
    assert "mytown" in run("city", "list").output
    assert run("import", "mytown", "--no-progress").exit_code == 0
    summary = json.loads(run("summary", "mytown", "--json").output)[0]
    assert summary["city"] == "mytown" and summary["edges"] > 1000
    assert set(summary["unknown_share"]) >= {"surface", "width", "incline"}

    out = tmp_path / "barriers.geojson"
    assert run("barriers", "mytown", "--format", "geojson", "-o", str(out)).exit_code == 0
    fc = json.loads(out.read_text())
    kinds = {f["properties"]["kind"] for f in fc["features"]}
    assert {"steps", "kerb"} <= kinds
    steps = [f for f in fc["features"] if f["properties"]["kind"] == "steps"]
    assert all(f["properties"]["edge_ids"] for f in steps)
    res = run("barriers", "mytown", "--format", "csv", "--kind", "kerb")
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert rows and {r["kind"] for r in rows} == {"kerb"}
    assert run("barriers", "mytown", "--format", "shp").exit_code == 2


def test_city_add_rejects_missing_file_and_bad_name(env, tmp_path):
    r = run("city", "add", "x", "--osm", str(tmp_path / "missing.osm.pbf"))
    assert r.exit_code == 2 and "missing.osm.pbf" in r.output
    r = run("city", "add", "Bad Name", "--osm", str(HERRENBERG_PBF))
    assert r.exit_code == 2 and "name" in r.output


def test_import_all_bundled_and_summary(tmp_path):
    result = run("import", "--all", "--data-dir", str(tmp_path), "--no-progress")
    assert result.exit_code == 0, result.output
    for name in ("hamburg", "heidelberg", "helsinki", "herrenberg"):
        assert (tmp_path / name / "network" / "edges.parquet").exists()
    out = run("summary", "--all", "--data-dir", str(tmp_path)).output
    assert "nodes" in out and "barriers" in out and "Jungfernstieg" in out
