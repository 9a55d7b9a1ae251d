"""Live state across re-imports, and the timetable checked at import."""

from __future__ import annotations

import itertools
import json
import zipfile

import numpy as np
from typer.testing import CliRunner

from stufenlos.build import import_city
from stufenlos.city import load_city, overrides_path
from stufenlos.cli import app
from stufenlos.config import find_city
from tests.conftest import CITIES


def raw_osm_segments(path):
    """(way id, {node a, node b}) of every consecutive node pair in the raw OSM file."""
    import osmium

    pairs = set()
    for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
        refs = [n.ref for n in w.nodes]
        pairs.update((w.id, frozenset(p)) for p in itertools.pairwise(refs))
    return pairs


def test_closures_survive_a_reimport_on_the_same_ground(tmp_path):
    cfg = find_city("herrenberg")
    import_city(cfg, base=tmp_path)
    city = load_city("herrenberg", base=tmp_path)
    net = city.network
    steps = np.flatnonzero(net.edges["steps"].to_numpy())
    arc = int(steps[len(steps) // 2])
    way = int(net.edges["osm_way_id"].iat[int(steps[0])])
    seg = city.closures.close("arc", arc, reason="blocked sidewalk", source="operator",
                              network=net)
    city.closures.close("way", way, reason="construction")
    ground = {(int(net.u[a]), int(net.v[a])) for a in city.closures.resolve(net, seg)}
    ground_ll = {tuple(map(tuple, np.round(net.node_lonlat[list(p)], 7))) for p in ground}
    # the closure names its ground by raw OSM ids: check them against the OSM file itself
    osm = raw_osm_segments(cfg.input_paths("osm")[0])
    assert (seg.osm_way_id, frozenset((seg.node_u, seg.node_v))) in osm
    assert not (tmp_path / "state" / "herrenberg" / "overrides.json").exists()

    # renumber every arc: import again with another city's extract read first
    helsinki = find_city("helsinki")
    first = helsinki.inputs_of("osm")[0].model_copy(
        update={"path": str(helsinki.input_paths("osm")[0])}
    )
    renumbered = cfg.model_copy(update={"inputs": [first, *cfg.inputs]})
    summary = import_city(renumbered, base=tmp_path)
    assert summary.closures_matched == 2 and summary.closures_unmatched == []
    again = load_city("herrenberg", base=tmp_path)
    items = {o.kind: o for o in again.closures.active()}
    assert set(items) == {"segment", "way"}
    new_arcs = again.closures.resolve(again.network, items["segment"])
    assert arc not in new_arcs.tolist() or len(again.network.edges) != len(net.edges)
    new_ll = {tuple(map(tuple, np.round(again.network.node_lonlat[[int(again.network.u[a]),
                                                                  int(again.network.v[a])]], 7)))
              for a in new_arcs}
    assert new_ll == ground_ll  # the same ground, whatever its arc numbers now
    assert items["segment"].reason == "blocked sidewalk"
    assert items["way"].ref == str(way)
    closed = again.closures.closed_arcs(again.network)
    assert set(new_arcs.tolist()) <= set(closed.tolist())
    # and the CLI lists both with their ids
    out = CliRunner().invoke(app, ["closures", "herrenberg", "--data-dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert f"segment of way {seg.osm_way_id}" in out.output and f"way {way}" in out.output


def test_closure_of_a_vanished_way_is_reported_at_import(tmp_path):
    import_city(find_city("herrenberg"), base=tmp_path)
    city = load_city("herrenberg", base=tmp_path)
    arc = int(np.flatnonzero(city.network.edges["steps"].to_numpy())[0])
    city.closures.close("arc", arc, reason="fence", network=city.network)
    # the same city name, now built from Helsinki's data: that arc's way is gone
    other = find_city("helsinki").model_copy(update={"name": "herrenberg"})
    summary = import_city(other, base=tmp_path)
    assert summary.closures_matched == 0 and len(summary.closures_unmatched) == 1
    again = load_city("herrenberg", base=tmp_path)
    assert again.closures.closed_arcs(again.network).size == 0  # routing goes on


def test_an_old_overrides_file_is_migrated_with_the_network_it_was_made_for(tmp_path):
    import_city(find_city("herrenberg"), base=tmp_path)
    city = load_city("herrenberg", base=tmp_path)
    net = city.network
    arc = int(np.flatnonzero(net.edges["steps"].to_numpy())[0])
    ends = {tuple(np.round(net.node_lonlat[net.u[arc]], 7)),
            tuple(np.round(net.node_lonlat[net.v[arc]], 7))}
    legacy = overrides_path("herrenberg", tmp_path)
    legacy.parent.mkdir(parents=True)
    legacy.write_text(json.dumps({"overrides": [
        {"id": "x1", "kind": "arc", "ref": str(arc), "until": None,
         "reason": "report:4 Blocked sidewalk", "created": "2026-11-01T10:00:00+00:00"}]}))
    # a re-import that renumbers arcs: the file is read against the old network first
    helsinki = find_city("helsinki")
    first = helsinki.inputs_of("osm")[0].model_copy(
        update={"path": str(helsinki.input_paths("osm")[0])})
    cfg = find_city("herrenberg")
    import_city(cfg.model_copy(update={"inputs": [first, *cfg.inputs]}), base=tmp_path)
    assert not legacy.exists()
    again = load_city("herrenberg", base=tmp_path)
    (item,) = again.closures.active()
    assert item.report_id == 4 and item.source == "report"
    got = again.closures.resolve(again.network, item)
    got_ends = {tuple(np.round(again.network.node_lonlat[n], 7))
                for a in got for n in (again.network.u[a], again.network.v[a])}
    assert got_ends == ends


def test_broken_timetable_fails_the_import_and_keeps_the_old_city(tmp_path, monkeypatch):
    cities = tmp_path / "cities"
    town = cities / "town"
    town.mkdir(parents=True)
    broken = town / "feed.zip"
    with (
        zipfile.ZipFile(CITIES / "heidelberg" / "vrn_gtfs_cut.zip") as src,
        zipfile.ZipFile(broken, "w") as dst,
    ):
        for item in src.infolist():
            if item.filename != "stops.txt":
                dst.writestr(item, src.read(item))
    pbf = CITIES / "heidelberg" / "heidelberg.test.osm.pbf"
    good_feed = CITIES / "heidelberg" / "vrn_gtfs_cut.zip"
    toml = (
        'name = "town"\ntitle = "Town"\n[[inputs]]\nkind = "osm"\npath = "{}"\n'
        '[[inputs]]\nkind = "gtfs"\npath = "{}"\n'
    )
    (town / "city.toml").write_text(toml.format(pbf, good_feed))
    monkeypatch.setenv("STUFENLOS_CITIES_DIR", str(cities))
    data = tmp_path / "var"
    runner = CliRunner()
    ok = runner.invoke(app, ["import", "town", "--data-dir", str(data), "--no-progress"])
    assert ok.exit_code == 0, ok.output
    assert "timetable:" in ok.output and "stops" in ok.output
    before = (data / "town" / "summary.json").read_text()

    (town / "city.toml").write_text(toml.format(pbf, broken))
    bad = runner.invoke(app, ["import", "town", "--data-dir", str(data), "--no-progress"])
    assert bad.exit_code == 2
    assert "feed.zip" in bad.output and "stops.txt" in bad.output
    assert (data / "town" / "summary.json").read_text() == before
