"""Mapped or assumed: every broken limit says whether its value was mapped, on real data.

The OSM tags are read straight from the bundled extract with pyosmium, not through our
reader, so a wrong ``assumed`` flag cannot hide behind a wrong import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import osmium
import pytest

from stufenlos.city import City
from stufenlos.text.route import route_feature, route_text
from tests.test_routing_cities import around, latlon

PBF = Path(__file__).resolve().parents[1] / "data/cities/heidelberg/heidelberg.test.osm.pbf"
KERB_KEYS = ("kerb", "kerb:height", "sloped_curb", "curb", "barrier")
#: a wheelchair route in the old town whose only broken limit is a kerb nobody mapped
ASSUMED_FROM, ASSUMED_TO = (49.411234897555374, 8.698547921460134), (49.41276683114342,
                                                                      8.695570247226666)


@pytest.fixture(scope="module")
def heidelberg(imported_city: Callable[[str], City]) -> City:
    return imported_city("heidelberg")


def osm_tags(kind: osmium.osm.osm_entity_bits, ids: set[int]) -> dict[int, dict[str, str]]:
    """Tags of the nodes or ways ``ids`` in the bundled Heidelberg extract."""
    found = osmium.FileProcessor(str(PBF), kind).with_filter(osmium.filter.IdFilter(ids))
    return {o.id: dict(o.tags) for o in found if o.id in ids}


def test_a_kerb_nobody_mapped_is_said_to_be_assumed(heidelberg: City) -> None:
    route = heidelberg.route(ASSUMED_FROM, ASSUMED_TO, profile="wheelchair")
    props = route_feature(route, lang="en")["properties"]
    (v,) = props["violations"]
    assert (v["limit"], v["assumed"], v["assumed_value"]) == ("max_kerb_cm", True, 12.0)
    assert props["status"] == "uncertain"
    (u,) = [u for u in props["uncertain"] if u["breaks"]]
    assert (u["limit"], u["assumed_value"], u["segment"]) == ("max_kerb_cm", 12.0, v["segment"])
    # the kerb ends of that segment carry no kerb tag in OSM
    seg = props["segments"][v["segment"]]
    ends = [n for n, h in zip(seg["osm_node_ids"], seg["kerb_cm_used"], strict=True)
            if h is not None]
    tags = osm_tags(osmium.osm.NODE, set(ends))
    assert ends and not any(k in t for t in tags.values() for k in KERB_KEYS), tags
    en = route_text(route, lang="en")
    assert "Warning: kerb, 9 cm over your limit (assumed: 12 cm, not mapped)." in en
    assert "keeps every limit where the values are mapped, but 1 assumed value" in en
    assert "keeps all your limits" not in en and "No route keeps" not in en
    de = route_text(route, lang="de")
    assert "Achtung: Bordstein, 9 cm über Ihrem Grenzwert (angenommen: 12 cm, nicht erfasst)." \
        in de
    ls = route_feature(route, lang="ls")["properties"]
    assert "Manche Stellen auf dem Weg kennen wir nicht genau." in ls["summary"]
    assert "Wir nehmen an: 12 Zentimeter." in ls["steps"]


def test_a_mapped_kerb_is_said_to_be_mapped(heidelberg: City) -> None:
    net = heidelberg.network
    kerbed = net.edges["kerb_v_m"].to_numpy(float) >= 0.05  # above the wheelchair's 3 cm
    node_osm = int(net.edges["osm_node_v"].iat[int(np.flatnonzero(kerbed)[0])])
    (tags,) = osm_tags(osmium.osm.NODE, {node_osm}).values()
    mapped_cm = float(tags["kerb:height"]) * 100
    assert mapped_cm > 3
    target = int(net.v[np.flatnonzero(kerbed)[0]])
    lon, lat = net.node_lonlat[target]
    start = int(np.argmin(np.abs(net.node_lonlat - (lon + 0.002, lat)).sum(axis=1)))
    route = heidelberg.router.route_nodes(start, target, profile="wheelchair")
    kerbs = [v for v in route.violations() if v["limit"] == "max_kerb_cm"]
    assert kerbs and all(not v["assumed"] and v["assumed_value"] is None for v in kerbs)
    assert any(v["osm_node_ids"][1] == node_osm
               and v["excess"] == pytest.approx(mapped_cm - 3) for v in kerbs)
    assert route.status == "limits_broken"
    text = route_text(route, lang="en") + route_text(route, lang="de")
    assert f"Warning: kerb, {mapped_cm - 3:g} cm over your limit." in text
    assert "angenommen: 6" not in text and "assumed: 6" not in text


def test_the_status_rule_on_random_old_town_routes(heidelberg: City) -> None:
    rng = np.random.default_rng(7)
    lat = rng.uniform(49.405, 49.415, (100, 2))
    lon = rng.uniform(8.68, 8.715, (100, 2))
    seen = dict.fromkeys(("ok", "uncertain", "limits_broken", "no_route"), 0)
    for (la0, la1), (lo0, lo1) in zip(lat, lon, strict=True):
        route = heidelberg.route((la0, lo0), (la1, lo1), profile="wheelchair")
        broken = route.violations()
        seen[route.status] += 1
        if route.status == "limits_broken":
            assert any(not v["assumed"] for v in broken), broken
        elif broken:
            assert all(v["assumed"] and v["segment"] is not None for v in broken)
            assert route.status == "uncertain"
            assert all(v["assumed_value"] is not None for v in broken)
        elif route.status != "no_route":
            assert route.status == "ok"
        if route.status != "ok":
            assert "The route keeps all your limits." not in route_text(route, lang="en")
    assert seen["uncertain"] >= 3 and seen["limits_broken"] >= 3 and seen["ok"] >= 30, seen


def test_a_blind_person_hears_that_the_signal_sound_is_not_mapped(heidelberg: City) -> None:
    net = heidelberg.network
    e = net.edges
    signals = np.flatnonzero((e["crossing"].astype(object) == "traffic_signals").to_numpy())
    crossed = []
    for cand in signals:
        s, t = around(net, int(cand))
        route = heidelberg.route(latlon(net, s), latlon(net, t), profile="blind")
        if cand in route.arcs:
            crossed.append((int(cand), s, t, route))
    assert crossed, "no blind route over a signalised crossing"
    arc, s, t, route = crossed[0]
    # in OSM: a footway=crossing way over a node with the signals, no sound tag on either
    way_id = int(e["osm_way_id"].iat[arc])
    found = osmium.FileProcessor(str(PBF), osmium.osm.WAY).with_filter(
        osmium.filter.IdFilter({way_id}))
    ((way_tags, refs),) = [(dict(w.tags), {n.ref for n in w.nodes}) for w in found
                           if w.id == way_id]
    tags = [way_tags, *osm_tags(osmium.osm.NODE, refs).values()]
    assert any("traffic_signals" in (t.get("crossing"), t.get("highway")) for t in tags), tags
    assert not any(k.startswith("traffic_signals:") for t in tags for k in t), tags
    assert route.unknowns()["signals_unknown_sound"] == 1
    en = route.to_text(lang="en")
    assert "1 traffic light without a mapped sound or vibration signal" in en
    assert "Sound or vibration signal of these traffic lights not mapped." in en
    assert "Ton- oder Vibrationssignal dieser Ampel nicht erfasst." in route.to_text(lang="de")
    assert "Wir wissen nicht, ob die Ampel piept oder vibriert." in route.to_text(lang="ls")
    # people who do not need the sound are not told
    wheel = heidelberg.route(latlon(net, s), latlon(net, t), profile="standard")
    assert "sound or vibration" not in wheel.to_text(lang="en")


def test_a_route_longer_than_the_range_never_keeps_all_limits(heidelberg: City) -> None:
    route = heidelberg.route((49.4094, 8.6942), (49.4125, 8.7100), profile="standard",
                             max_distance_m=500)
    assert route.distance_m > 1000
    (v,) = [v for v in route.violations() if v["limit"] == "max_distance_m"]
    assert not v["assumed"] and v["excess"] == pytest.approx(route.distance_m - 500, abs=0.01)
    assert route.status == "limits_broken"
    for lang, kept, longer in (
            ("en", "keeps all your limits", "longer than your range of 500 m"),
            ("de", "hält alle Ihre Grenzwerte ein", "länger als Ihre Reichweite von 500 m")):
        text = route.to_text(lang=lang)
        assert longer in text and kept not in text, text
    easy = route.to_text(lang="ls")
    assert "Der Weg passt zu Ihren Angaben." not in easy
    assert "Der Weg ist länger, als Sie gehen oder fahren können." in easy
