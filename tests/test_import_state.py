"""Live state across re-imports, and the timetable checked at import."""

from __future__ import annotations

import json
import zipfile

import numpy as np
from typer.testing import CliRunner

from stufenlos.build import import_city
from stufenlos.city import load_city, overrides_path
from stufenlos.cli import app
from stufenlos.config import find_city
from tests.conftest import CITIES


def arc_key(net, arc):
    e = net.edges
    return (
        int(e["osm_way_id"].iat[arc]),
        tuple(np.round(net.node_lonlat[e["u"].iat[arc]], 7)),
        tuple(np.round(net.node_lonlat[e["v"].iat[arc]], 7)),
    )


def test_closures_survive_a_reimport_on_the_same_ground(tmp_path):
    cfg = find_city("herrenberg")
    import_city(cfg, base=tmp_path)
    city = load_city("herrenberg", base=tmp_path)
    net = city.network
    steps = np.flatnonzero(net.edges["steps"].to_numpy())
    arc = int(steps[len(steps) // 2])
    way = int(net.edges["osm_way_id"].iat[int(steps[0])])
    city.overrides.close("arc", arc, reason="report:7 blocked sidewalk")
    city.overrides.close("way", way, reason="construction")
    key = arc_key(net, arc)
    assert overrides_path("herrenberg", tmp_path).exists()
    assert not (tmp_path / "herrenberg" / "overrides.json").exists()

    # renumber every arc: import again with another city's extract read first
    helsinki = find_city("helsinki")
    first = helsinki.inputs_of("osm")[0].model_copy(
        update={"path": str(helsinki.input_paths("osm")[0])}
    )
    renumbered = cfg.model_copy(update={"inputs": [first, *cfg.inputs]})
    summary = import_city(renumbered, base=tmp_path)
    assert summary.closures_carried == 1 and summary.closures_dropped == []
    again = load_city("herrenberg", base=tmp_path)
    items = {o.kind: o for o in again.overrides.active()}
    assert set(items) == {"arc", "way"}
    assert int(items["arc"].ref) != arc
    assert arc_key(again.network, int(items["arc"].ref)) == key
    assert items["arc"].reason == "report:7 blocked sidewalk"
    assert items["way"].ref == str(way)
    closed = again.overrides.closed_arcs(again.network)
    assert int(items["arc"].ref) in closed


def test_closure_of_a_vanished_way_is_dropped_and_reported(tmp_path):
    import_city(find_city("herrenberg"), base=tmp_path)
    city = load_city("herrenberg", base=tmp_path)
    arc = int(np.flatnonzero(city.network.edges["steps"].to_numpy())[0])
    city.overrides.close("arc", arc, reason="report:9")
    # the same city name, now built from Helsinki's data: that arc's way is gone
    other = find_city("helsinki").model_copy(update={"name": "herrenberg"})
    summary = import_city(other, base=tmp_path)
    assert summary.closures_carried == 0 and len(summary.closures_dropped) == 1
    body = json.loads(overrides_path("herrenberg", tmp_path).read_text())
    assert body["overrides"] == []


def test_broken_timetable_fails_the_import_and_keeps_the_old_city(tmp_path, monkeypatch):
    cities = tmp_path / "cities"
    town = cities / "town"
    town.mkdir(parents=True)
    broken = town / "feed.zip"
    with (
        zipfile.ZipFile(CITIES / "herrenberg" / "vvs-bus-751-only.gtfs.zip") as src,
        zipfile.ZipFile(broken, "w") as dst,
    ):
        for item in src.infolist():
            if item.filename != "stops.txt":
                dst.writestr(item, src.read(item))
    pbf = CITIES / "herrenberg" / "herrenberg-minimal.osm.pbf"
    good_feed = CITIES / "herrenberg" / "vvs-bus-751-only.gtfs.zip"
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
