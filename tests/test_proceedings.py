"""Participation proceedings on the real Hamburg extract: phases, pre-moderated anonymous
contributions, supports once per person, decisions in the plan's feed, open formats."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import select

from stufenlos.analysis.access import prepare
from stufenlos.analysis.scenario import parse_scenario, run_scenario
from stufenlos.api.app import create_app
from stufenlos.city import City
from stufenlos.plan import service as plan_service
from stufenlos.proceedings import service
from stufenlos.proceedings.models import ContributionContact
from stufenlos.proceedings.seed import DEMO_BUDGET_MIN, DEMO_CATEGORY, DEMO_SLUG, seed_demo

SECRET = "correct horse battery"


@pytest.fixture(scope="module")
def hamburg(imported_city: Callable[[str], City], city_base: Path) -> Iterator[City]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_DATA_DIR", str(city_base))
        yield imported_city("hamburg")


@pytest.fixture(scope="module")
def seeded_file(hamburg: City, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An app database with the demo proceeding seeded once (the ranking takes seconds)."""
    path = tmp_path_factory.mktemp("proceedings") / "app.sqlite"
    store = plan_service.PlanStore(f"sqlite:///{path}")
    with store.session() as session:
        seed_demo(session, hamburg)
        for name, roles in (("eva", ["edit"]), ("mona", ["monitor"])):
            plan_service.create_editor(session, plan_service.EditorCreate(
                username=name, secret=SECRET, roles=roles), actor="test")
    store.close()
    return path


@pytest.fixture
def db_url(seeded_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "app.sqlite"
    shutil.copy(seeded_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app(db_url: str, city_base: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base))
    return create_app()


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with TestClient(app) as c:  # type: ignore[arg-type]
        yield c


def _auth(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{SECRET}".encode()).decode()}


def _moderator() -> dict[str, str]:
    import secrets

    from stufenlos.api.routes.open311 import report_service

    name = f"Mo {secrets.token_hex(4)}"
    return {"Authorization": f"Bearer {report_service().add_moderator(name)}"}


def _to(client: TestClient, phase: str) -> None:
    r = client.post(f"/api/proceedings/{DEMO_SLUG}/phase", json={"phase": phase},
                    headers=_auth("eva"))
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------- seeded figures


def test_api_lists_the_seeded_proceeding_with_people_helped(client: TestClient,
                                                            hamburg: City) -> None:
    items = client.get("/api/proceedings").json()
    assert [p["slug"] for p in items] == [DEMO_SLUG]
    fixes = items[0]["fixes"]
    assert fixes, "the ranking finds an elevator that gives people access in Hamburg"
    # independent reference: the scenario engine run directly for the same change
    setup = prepare(hamburg, categories=[DEMO_CATEGORY], budgets_min=[DEMO_BUDGET_MIN])
    for fix in fixes:
        res = run_scenario(setup, parse_scenario({"changes": [fix["change"]]}),
                           profiles=["wheelchair", "walker"], budget_min=DEMO_BUDGET_MIN)
        expected = {r["profile"]: r["gained_population"] for r in res.totals.to_dict("records")}
        assert {r["profile"]: r["gained_population"] for r in fix["effect"]} == expected
        assert expected["wheelchair"] > 0
        assert shapely.box(*shapely.geometry.shape(items[0]["area"]).bounds).contains(
            shapely.Point(fix["lon"], fix["lat"]))
    page = client.get(f"/proceedings/{items[0]['id']}?lang=en").text
    n = fixes[0]["effect"][0]["gained_population"]
    assert f"{n:,.0f} people using a wheelchair would newly reach a step-free railway" in page
    assert "<table>" in page


# ---------------------------------------------------------------- phases


def test_a_proceeding_moves_through_its_phases_in_order(client: TestClient) -> None:
    url = f"/api/proceedings/{DEMO_SLUG}"
    assert client.get(url).json()["phase"] == "information"
    assert client.post(f"{url}/phase", json={"phase": "participation"}).status_code == 401
    refused = client.post(f"{url}/phase", json={"phase": "participation"}, headers=_auth("mona"))
    assert refused.status_code == 403
    skip = client.post(f"{url}/phase", json={"phase": "evaluation"}, headers=_auth("eva"))
    assert skip.status_code == 409 and "participation" in skip.json()["detail"]
    for phase in ("participation", "evaluation"):
        _to(client, phase)
        assert client.get(url).json()["phase"] == phase
    back = client.post(f"{url}/phase", json={"phase": "participation"}, headers=_auth("eva"))
    assert back.status_code == 409
    r = client.post(f"{url}/phase", json={"phase": "result", "result": {"en": "Done."}},
                    headers=_auth("eva"))
    assert r.status_code == 200
    done = client.get(url).json()
    assert (done["phase"], done["result"]) == ("result", {"en": "Done."})
    assert client.post(f"{url}/phase", json={"phase": "result"},
                       headers=_auth("eva")).status_code == 409


def test_contributing_is_open_only_in_the_participation_phase(client: TestClient) -> None:
    body = {"category": "idea", "text": "A ramp here.", "lat": 53.552, "lon": 9.993}
    r = client.post(f"/api/proceedings/{DEMO_SLUG}/contributions", json=body)
    assert r.status_code == 409 and "participation" in r.json()["detail"]


# ---------------------------------------------------------------- contributions


def test_anonymous_contribution_is_invisible_until_moderated(client: TestClient,
                                                             db_url: str) -> None:
    _to(client, "participation")
    detail = client.get(f"/api/proceedings/{DEMO_SLUG}").json()
    fix_id = detail["fixes"][0]["id"]
    text = "Die Treppe ist für mich unüberwindbar. Ruf mich an: 0151 2345 6789"
    r = client.post(f"/api/proceedings/{DEMO_SLUG}/contributions", json={
        "category": "problem", "text": text, "fix_id": fix_id, "email": "me@example.org"})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["status"] == "submitted"
    where = (r.json()["lat"], r.json()["lon"])
    assert where == (detail["fixes"][0]["lat"], detail["fixes"][0]["lon"])  # placed at its fix

    def public_texts() -> str:
        return "".join([
            client.get(f"/api/proceedings/{DEMO_SLUG}").text,
            client.get(f"/proceedings/{DEMO_SLUG}?lang=en").text,
            client.get(f"/api/proceedings/{DEMO_SLUG}/contributions.geojson").text,
            client.get(f"/api/proceedings/{DEMO_SLUG}/contributions.csv").text,
            client.get("/ogc/collections/proceedings-contributions/items").text,
            client.get("/plan/feed.atom").text])

    assert "unüberwindbar" not in public_texts()
    assert client.get(f"/ogc/collections/proceedings-contributions/items/{cid}").status_code == 404
    mod = _moderator()
    queue = client.get("/api/proceedings/moderation/queue", headers=mod).json()
    assert [c["id"] for c in queue["contributions"]] == [cid]
    assert client.get("/api/proceedings/moderation/queue").status_code == 401
    r = client.post(f"/api/proceedings/moderation/contribution/{cid}", json={"publish": True},
                    headers=mod)
    assert r.json()["status"] == "published"
    shown = public_texts()
    assert "unüberwindbar" in shown
    assert "0151" not in shown and "me@example.org" not in shown  # redacted / kept apart
    store = plan_service.PlanStore(db_url)
    with store.session() as session:
        assert session.scalar(select(ContributionContact.email)) == "me@example.org"
    store.close()
    # the GeoJSON export parses and carries the point
    geo = json.loads(client.get(f"/api/proceedings/{DEMO_SLUG}/contributions.geojson").text)
    assert geo["type"] == "FeatureCollection"
    (feat,) = geo["features"]
    assert shapely.geometry.shape(feat["geometry"]).equals(shapely.Point(where[1], where[0]))
    assert feat["properties"]["category"] == "problem"
    ogc = client.get(f"/ogc/collections/proceedings-contributions/items/{cid}")
    assert ogc.status_code == 200 and ogc.json()["properties"]["proceeding"] == DEMO_SLUG
    # a comment is pre-moderated too
    r = client.post(f"/api/proceedings/contributions/{cid}/comments", json={"text": "Stimmt!"})
    assert r.status_code == 201
    assert "Stimmt!" not in client.get(f"/api/proceedings/{DEMO_SLUG}").text
    client.post(f"/api/proceedings/moderation/comment/{r.json()['id']}", json={"publish": True},
                headers=mod)
    assert "Stimmt!" in client.get(f"/api/proceedings/{DEMO_SLUG}").text


def test_rejected_contribution_stays_hidden_and_address_places_it(client: TestClient,
                                                                  hamburg: City) -> None:
    _to(client, "participation")
    street = client.get(f"/proceedings/{DEMO_SLUG}").text
    assert "Jungfernstieg" in street  # the street list of the form
    r = client.post(f"/proceedings/{DEMO_SLUG}/contribute", data={
        "category": "idea", "text": "Eine Rampe am Jungfernstieg", "street": "Jungfernstieg"},
        follow_redirects=False)
    assert r.status_code == 303
    mod = _moderator()
    queue = client.get("/api/proceedings/moderation/queue", headers=mod).json()
    (c,) = queue["contributions"]
    assert c["address"] == "Jungfernstieg" and c["lat"] is not None
    client.post(f"/api/proceedings/moderation/contribution/{c['id']}",
                json={"publish": False}, headers=mod)
    assert "Rampe" not in client.get(f"/api/proceedings/{DEMO_SLUG}").text
    bad = client.post(f"/proceedings/{DEMO_SLUG}/contribute", data={"category": "idea",
                                                                    "text": ""})
    assert bad.status_code == 422 and "text" in bad.text


def _jpeg_with_gps_and_comment() -> bytes:
    """A synthetic JPEG carrying an EXIF GPS position and a comment."""
    import io

    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (53.0, 33.0, 10.0)}
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="JPEG", exif=exif,
                                                   comment=b"Max Muster, Tel 0151")
    return buf.getvalue()


def test_photo_through_the_json_api_is_cleaned_and_pre_moderated(client: TestClient) -> None:
    import io

    from PIL import Image

    from stufenlos.reports.privacy import MAX_PHOTO_BYTES

    _to(client, "participation")
    raw = _jpeg_with_gps_and_comment()
    assert b"Max Muster" in raw and len(Image.open(io.BytesIO(raw)).getexif()) > 0
    url = f"/api/proceedings/{DEMO_SLUG}/contributions"
    form = {"category": "problem", "text": "Die Rampe ist zu steil.", "lat": "53.5526",
            "lon": "9.9955"}
    r = client.post(url, data=form, files={"media": ("rampe.jpg", raw, "image/jpeg")})
    assert r.status_code == 201, r.text
    assert r.json()["photo"] is True and r.json()["status"] == "submitted"
    cid = r.json()["id"]
    photo_url = f"/api/proceedings/contributions/{cid}/photo"
    assert client.get(photo_url).status_code == 404  # not before moderation
    not_image = client.post(url, data=form,
                            files={"media": ("a.jpg", b"GIF89a..", "image/jpeg")})
    assert not_image.status_code == 415 and "media" in not_image.json()["detail"]
    huge = client.post(url, data=form, files={
        "media": ("a.jpg", b"\xff" * (MAX_PHOTO_BYTES + 10), "image/jpeg")})
    assert huge.status_code == 413
    missing = client.post(url, data={"category": "problem"},
                          files={"media": ("rampe.jpg", raw, "image/jpeg")})
    assert missing.status_code == 422 and "text" in missing.text
    assert client.post(url, data=form).status_code == 400  # neither JSON nor multipart
    mod = _moderator()
    client.post(f"/api/proceedings/moderation/contribution/{cid}", json={"publish": True},
                headers=mod)
    got = client.get(photo_url)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    img = Image.open(io.BytesIO(got.content))
    assert img.size == (64, 48) and len(img.getexif()) == 0
    assert b"Max Muster" not in got.content and "comment" not in img.info
    assert client.get(f"/api/proceedings/{DEMO_SLUG}").json()["contributions"][0]["photo"]
    # the OpenAPI description offers both bodies
    body = client.get("/openapi.json").json()["paths"][
        "/api/proceedings/{key}/contributions"]["post"]["requestBody"]["content"]
    assert body["multipart/form-data"]["schema"]["properties"]["media"]["format"] == "binary"
    assert "category" in body["application/json"]["schema"]["properties"]


# ---------------------------------------------------------------- supports


def test_support_counts_once_per_person(app: object, client: TestClient) -> None:
    _to(client, "participation")
    fix_id = client.get(f"/api/proceedings/{DEMO_SLUG}").json()["fixes"][0]["id"]
    url = f"/api/proceedings/support/fix/{fix_id}"
    first = client.post(url).json()
    assert (first["counted"], first["supports"]) == (True, 1)
    again = client.post(url).json()
    assert (again["counted"], again["supports"]) == (False, 1)
    with TestClient(app) as other:  # type: ignore[arg-type]  # another person: own cookie
        assert other.post(url).json() == {"target": "fix", "id": fix_id, "counted": True,
                                          "supports": 2}
    with TestClient(app) as forger:  # type: ignore[arg-type]
        forger.cookies.set("stufenlos_supporter", "someone.forged")
        assert forger.post(url).json()["supports"] == 3  # a forged cookie is a new person
    assert client.get(f"/api/proceedings/{DEMO_SLUG}").json()["fixes"][0]["supports"] == 3
    # the page's button counts the same way
    r = client.post(f"/proceedings/{DEMO_SLUG}/support", data={"target": "fix",
                                                               "item_id": fix_id},
                    follow_redirects=False)
    assert "supported-before" in r.headers["location"]
    assert client.post("/api/proceedings/support/contribution/99999").status_code == 404


# ---------------------------------------------------------------- decisions


def test_decision_appears_in_the_feed_and_result(client: TestClient) -> None:
    _to(client, "participation")
    fix_id = client.get(f"/api/proceedings/{DEMO_SLUG}").json()["fixes"][0]["id"]
    url = f"/api/proceedings/decisions/fix/{fix_id}"
    early = client.post(url, json={"decision": "adopted"}, headers=_auth("eva"))
    assert early.status_code == 409
    _to(client, "evaluation")
    no_reason = client.post(url, json={"decision": "not_adopted"}, headers=_auth("eva"))
    assert no_reason.status_code == 422
    r = client.post(url, json={"decision": "adopted_in_part",
                               "reason": {"en": "Funded for 2027 only", "de": "Nur 2027"}},
                    headers=_auth("eva"))
    assert r.status_code == 200, r.text
    feed = feedparser.parse(client.get("/plan/feed.atom").content)
    assert feed.bozo == 0
    titles = [e.title for e in feed.entries]
    assert any("adopted in part: Funded for 2027 only" in t for t in titles), titles
    _to(client, "result")
    page = client.get(f"/proceedings/{DEMO_SLUG}?lang=en").text
    assert "Adopted in part" in page and "Funded for 2027 only" in page
    assert "These fixes will be made:" in page
    res = json.loads(client.get(f"/api/proceedings/{DEMO_SLUG}/results.geojson").text)
    fix = next(f for f in res["features"] if f["properties"]["kind"] == "fix")
    assert fix["properties"]["decision"] == "adopted_in_part"
    assert fix["properties"]["gained_population_wheelchair"] > 0
    csv_text = client.get(f"/api/proceedings/{DEMO_SLUG}/results.csv").text
    assert "adopted_in_part" in csv_text


def test_result_lists_every_decision_and_the_feed_has_an_entry_for_each(
        client: TestClient) -> None:
    _to(client, "participation")
    d = client.get(f"/api/proceedings/{DEMO_SLUG}").json()
    assert d["outcome"] is None  # nothing published before the result phase
    fix_ids = [f["id"] for f in d["fixes"]]
    r = client.post(f"/api/proceedings/{DEMO_SLUG}/contributions", json={
        "category": "idea", "text": "Aufzug bitte auch am Ausgang Ballindamm.",
        "fix_id": fix_ids[0]})
    cid = r.json()["id"]
    client.post(f"/api/proceedings/moderation/contribution/{cid}", json={"publish": True},
                headers=_moderator())
    client.post(f"/api/proceedings/support/fix/{fix_ids[0]}")
    _to(client, "evaluation")
    answers = [("fix", fix_ids[0], "adopted", "Wird 2027 gebaut")]
    answers += [("fix", i, "not_adopted", f"Kein Geld für {i}") for i in fix_ids[1:]]
    answers += [("contribution", cid, "adopted_in_part", "Geprüft, Ausgang folgt")]
    for target, item, decision, reason in answers:
        r = client.post(f"/api/proceedings/decisions/{target}/{item}", headers=_auth("eva"),
                        json={"decision": decision, "reason": {"de": reason, "en": reason}})
        assert r.status_code == 200, r.text
    _to(client, "result")
    d = client.get(f"/api/proceedings/{DEMO_SLUG}").json()
    out = d["outcome"]
    first = next(f for f in out["fixes"] if f["id"] == fix_ids[0])
    assert (first["decision"], first["supports"]) == ("adopted", 1)
    effect = next(f for f in d["fixes"] if f["id"] == fix_ids[0])["effect"]
    assert first["people_helped"] == {r["profile"]: {
        k.removeprefix("gained_"): v for k, v in r.items() if k.startswith("gained_")}
        for r in effect}
    assert first["people_helped"]["wheelchair"]["population"] > 0
    assert {"age65", "under18"} <= set(first["people_helped"]["wheelchair"])
    # the result page says it in words, per profile and group
    page = client.get(f"/proceedings/{DEMO_SLUG}?lang=en").text
    row = next(r for r in effect if r["profile"] == "wheelchair")
    assert (f"{row['gained_population']:,.0f} people using a wheelchair would newly reach a "
            f"step-free railway station within 15 minutes, of them {row['gained_age65']:,.0f} "
            f"aged 65 or older and {row['gained_under18']:,.0f} under 18.") in page
    assert all(f["people_helped"] == {} for f in out["fixes"] if f["id"] != fix_ids[0])
    assert out["contributions"] == [{"id": cid, "decision": "adopted_in_part", "supports": 0,
                                     "reason": {"de": "Geprüft, Ausgang folgt",
                                                "en": "Geprüft, Ausgang folgt"}}]
    feed = feedparser.parse(client.get("/plan/feed.atom").content)
    assert feed.bozo == 0
    for target, item, decision, reason in answers:
        label = f"#{item}" if target == "contribution" else ""
        hits = [e for e in feed.entries if f"{decision.replace('_', ' ')}: {reason}" in e.title
                and f" {target} {label}" in e.title]
        assert len(hits) == 1, (target, item, [e.title for e in feed.entries])


# ---------------------------------------------------------------- catalogue and pages


def test_each_proceeding_is_a_shacl_valid_catalogue_dataset(client: TestClient) -> None:
    from pyshacl import validate
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT

    from tests.test_catalog import SHAPE_FILES, SHAPES, _violations

    ttl = client.get("/catalog.ttl").text
    g = Graph().parse(data=ttl, format="turtle")
    base = str(client.base_url).rstrip("/")
    ds = URIRef(f"{base}/catalog/datasets/proceeding-{DEMO_SLUG}")
    assert len(list(g.objects(ds, DCAT.distribution))) == 4
    shapes = Graph()
    for name in SHAPE_FILES:
        shapes.parse(SHAPES / name)
    vocab = Graph().parse(SHAPES / "vocabulary-excerpt.ttl")
    conforms, report, _ = validate(g + vocab, shacl_graph=shapes, allow_warnings=True)
    assert conforms, _violations(report)


def test_pages_in_every_language_and_editor_page(client: TestClient) -> None:
    for lang, word in (("de", "Beteiligungsverfahren"), ("en", "Participation proceedings"),
                       ("ls", "Mitreden bei Umbauten")):
        assert word in client.get(f"/proceedings?lang={lang}").text
    assert client.get("/proceedings-edit").status_code == 401
    page = client.get("/proceedings-edit?lang=en", headers=_auth("eva")).text
    assert "Move on to the phase" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    move = {"token": token, "proceeding": DEMO_SLUG, "phase": "participation"}
    unconfirmed = client.post("/proceedings-edit/phase?lang=en", data=move,
                              headers=_auth("eva"))
    assert unconfirmed.status_code == 422 and "tick the box to confirm" in unconfirmed.text
    assert client.get(f"/api/proceedings/{DEMO_SLUG}").json()["phase"] == "information"
    r = client.post("/proceedings-edit/phase", data=move | {"confirm": "yes"},
                    headers=_auth("eva"), follow_redirects=False)
    assert r.status_code == 303
    forged = client.post("/proceedings-edit/phase", data={"token": "x", "proceeding": DEMO_SLUG,
                                                          "phase": "evaluation"},
                         headers=_auth("eva"))
    assert forged.status_code == 403
    assert "Add a contribution" in client.get(f"/proceedings/{DEMO_SLUG}?lang=en").text


def _token(page: str) -> str:
    return page.split('name="token" value="')[1].split('"')[0]


def test_editor_creates_a_proceeding_with_dates_and_districts_and_a_fix_in_words(
        client: TestClient) -> None:
    page = client.get("/proceedings-edit?lang=en", headers=_auth("eva")).text
    assert 'type="date"' in page and "District Hamburg-Altstadt" in page and "GeoJSON" in page
    form = {"token": _token(page), "city": "hamburg", "slug": "altstadt-2028",
            "title_de": "Stufenlos in der Altstadt", "title_en": "Step-free Altstadt",
            "description_de": "Aufzüge und Rampen", "body": "Bezirksamt Hamburg-Mitte",
            "start_information": "2028-01-10", "start_participation": "2028-01-05",
            "start_evaluation": "2028-04-01", "start_result": "2028-06-01",
            "districts": "Hamburg-Altstadt"}
    bad = client.post("/proceedings-edit/create?lang=en", data=form, headers=_auth("eva"))
    assert bad.status_code == 422
    assert 'id="err-start_participation"' in bad.text
    assert "must lie after the start of the information phase" in bad.text
    assert 'value="Step-free Altstadt"' in bad.text  # the values stay
    none = client.post("/proceedings-edit/create", data=form | {
        "start_participation": "2028-02-01", "districts": []}, headers=_auth("eva"))
    assert none.status_code == 422 and 'id="err-districts"' in none.text
    r = client.post("/proceedings-edit/create", data=form | {"start_participation":
                                                                "2028-02-01"},
                    headers=_auth("eva"), follow_redirects=False)
    assert r.status_code == 303, r.text
    p = client.get("/api/proceedings/altstadt-2028").json()
    assert p["schedule"]["participation"] == {"start": "2028-02-01", "end": "2028-03-31"}
    assert p["schedule"]["result"] == {"start": "2028-06-01", "end": None}
    assert p["body"] == "Bezirksamt Hamburg-Mitte"
    # independent reference: the Stadtteil polygon read straight from the bundled file
    src = Path(__file__).parents[1] / "data/cities/hamburg/" \
        "hamburg_stadtteile_statistik_4326.geojson"
    (feat,) = [f for f in json.loads(src.read_text("utf-8"))["features"]
               if f["properties"]["Name"] == "Hamburg-Altstadt"]
    ref = shapely.geometry.shape(feat["geometry"])
    area = shapely.geometry.shape(p["area"])
    assert area.symmetric_difference(ref).area < 1e-9 * ref.area + 1e-12
    # a fix chosen from the list in words, never by id
    page = client.get("/proceedings-edit?lang=en", headers=_auth("eva")).text
    section = page.split('id="e-' + str(p["id"]) + '"')[1].split("</section>")[0]
    value, label = section.split('<option value="', 2)[2].split("</option>")[0].split('">')
    assert re.fullmatch(r"[A-Z][^0-9]*( \(\d+\))?", label), label  # no OSM id in the name
    r = client.post("/proceedings-edit/fix", data={"token": _token(page), "proceeding":
                                                   p["id"], "fix": value},
                    headers=_auth("eva"), follow_redirects=False)
    assert r.status_code == 303
    (fix,) = client.get("/api/proceedings/altstadt-2028").json()["fixes"]
    assert fix["title"]["en"] == label and fix["title"]["ls"]
    assert area.covers(shapely.Point(fix["lon"], fix["lat"]))
    assert {r["profile"] for r in fix["effect"]} == {"wheelchair", "walker"}
    wrong = client.post("/proceedings-edit/fix?lang=en", data={
        "token": _token(page), "proceeding": p["id"], "fix": "steps:1"}, headers=_auth("eva"))
    assert wrong.status_code == 422 and "choose a fix from the list" in wrong.text


def test_editor_and_moderator_pages_speak_easy_read(client: TestClient) -> None:
    page = client.get("/proceedings-edit?lang=ls", headers=_auth("eva")).text
    for words in ("Beteiligung bearbeiten", "Wann beginnt jeder Schritt?", "Das ganze Gebiet",
                  "Weiter zum Schritt"):
        assert words in page
    token = _moderator()["Authorization"].removeprefix("Bearer ")
    assert client.post("/moderation/login", data={"token": token}).status_code == 200
    mod = client.get("/moderation/proceedings?lang=ls").text
    assert "Beiträge und Kommentare prüfen" in mod and "Es gibt nichts zu prüfen." in mod


def test_editor_adds_a_fix_whose_effect_is_computed(client: TestClient) -> None:
    change = {"action": "lower_kerb", "node": 1}
    r = client.post(f"/api/proceedings/{DEMO_SLUG}/fixes", json={"change": change},
                    headers=_auth("eva"))
    assert r.status_code == 400 and "node" in r.json()["detail"]  # not in the network
    fix = client.get(f"/api/proceedings/{DEMO_SLUG}").json()["fixes"][0]
    r = client.post(f"/api/proceedings/{DEMO_SLUG}/fixes", json={"change": fix["change"]},
                    headers=_auth("eva"))
    assert r.status_code == 201, r.text
    assert r.json()["effect"] == fix["effect"]


def test_migrations_match_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from stufenlos.db import Base

    store = plan_service.PlanStore(db_url)
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "include_object": lambda obj, name, type_, _r, _c: (
                (obj.table.name if type_ in ("column", "index") else name).startswith("proceeding")
                if type_ in ("table", "column", "index") else True),
            "compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    store.close()
    assert diff == []


@pytest.mark.postgis
def test_flow_on_postgresql(postgis_url: str) -> None:
    """The same rules on PostgreSQL: phases, moderation, one support per person."""
    store = plan_service.PlanStore(postgis_url)
    with store.session() as session:
        eva = plan_service.create_editor(session, plan_service.EditorCreate(
            username="eva", secret=SECRET, roles=["edit"]), actor="test")
        p = service.create_proceeding(session, eva, service.ProceedingCreate(
            slug="pg-test", city="hamburg", title={"en": "Test"}, body="Test body",
            area={"type": "Polygon", "coordinates": [[[9.98, 53.54], [10.0, 53.54],
                                                      [10.0, 53.56], [9.98, 53.54]]]}))
        service.move_phase(session, eva, p.slug, service.PhaseIn(phase="participation"))
        c = service.contribute(session, p.slug, service.ContributionIn(
            category="idea", text="Hier fehlt eine Rampe", lat=53.55, lon=9.99), client="x")
    with store.session() as session:
        assert service.proceeding_detail(session, "pg-test")["contributions"] == []
        service.moderate(session, "contribution", c.id, publish=True, actor="mo")
    with store.session() as session:
        assert service.support(session, "contribution", c.id, supporter="a") == (True, 1)
        assert service.support(session, "contribution", c.id, supporter="a") == (False, 1)
        assert service.support(session, "contribution", c.id, supporter="b") == (True, 2)
        assert len(service.proceeding_detail(session, "pg-test")["contributions"]) == 1
    store.close()


def test_cli_lists_and_moves_phases(db_url: str) -> None:
    from typer.testing import CliRunner

    from stufenlos.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["proceedings", "list", "--database-url", db_url])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)[0]["slug"] == DEMO_SLUG
    args = ["proceedings", "phase", DEMO_SLUG, "participation", "--database-url", db_url]
    assert runner.invoke(app, [*args, "--editor", "nobody"]).exit_code == 2
    refused = runner.invoke(app, [*args, "--editor", "mona"])
    assert refused.exit_code != 0 and "edit" in refused.output
    moved = runner.invoke(app, [*args, "--editor", "eva"])
    assert moved.exit_code == 0 and "participation" in moved.output


# ---------------------------------------------------------------- order, categories, access


def test_fixes_sorted_by_people_helped_from_their_stored_effects(client: TestClient,
                                                                 hamburg: City) -> None:
    from stufenlos.analysis.fixes import fix_choices

    seeded = client.get(f"/api/proceedings/{DEMO_SLUG}").json()
    best = seeded["fixes"][0]  # the ranking's best fix
    other = next(c for cs in fix_choices(hamburg).by_kind.values() for c in cs
                 if c.change != best["change"])
    body = {"slug": "order-2028", "city": "hamburg", "title": {"de": "Reihenfolge"},
            "body": "Amt", "area": seeded["area"]}
    assert client.post("/api/proceedings", json=body, headers=_auth("eva")).status_code == 201
    for change in (other.change, best["change"]):  # planned: the smaller gain first
        r = client.post("/api/proceedings/order-2028/fixes", json={"change": change},
                        headers=_auth("eva"))
        assert r.status_code == 201, r.text
    planned = client.get("/api/proceedings/order-2028").json()["fixes"]
    gain = {f["id"]: max(r["gained_population"] for r in f["effect"]) for f in planned}
    assert gain[planned[0]["id"]] < gain[planned[1]["id"]]
    helped = client.get("/api/proceedings/order-2028?order=helped").json()["fixes"]
    assert [f["id"] for f in helped] == [planned[1]["id"], planned[0]["id"]]
    assert client.get("/api/proceedings/order-2028?order=name").status_code == 422
    page = client.get("/proceedings/order-2028?lang=en&order=helped").text
    assert "Sorted: the fixes that help the most people first." in page
    places = [page.index(f'id="fix-{f["id"]}"') for f in helped]
    assert places == sorted(places)
    assert "Sort by people helped" in client.get("/proceedings/order-2028?lang=en").text


def test_editor_chooses_the_category_from_a_list_in_words(client: TestClient) -> None:
    page = client.get("/proceedings-edit", headers=_auth("eva")).text
    select_html = page.split('<select id="category"')[1].split("</select>")[0]
    assert '<option value="step_free_station" selected>stufenlose Bahnhöfe (DB)</option>' \
        in select_html
    assert '<option value="pharmacy" >Apotheken</option>' in select_html
    assert '<input type="text" id="category"' not in page
    body = {"slug": "bad-category", "city": "hamburg", "title": {"de": "T"}, "body": "Amt",
            "area": {"type": "Polygon", "coordinates": [[[9.99, 53.55], [10.0, 53.55],
                                                         [10.0, 53.56], [9.99, 53.55]]]},
            "category": "unicorns"}
    r = client.post("/api/proceedings", json=body, headers=_auth("eva"))
    assert r.status_code == 422 and "unknown category 'unicorns'" in r.text


#: routes anyone may use (reading, contributing, commenting, supporting)
_PUBLIC = {("POST", "/api/proceedings/{key}/contributions"),
           ("POST", "/api/proceedings/contributions/{contribution_id}/comments"),
           ("POST", "/api/proceedings/support/{target}/{item_id}"),
           ("POST", "/proceedings/{key}/contribute"), ("POST", "/proceedings/{key}/support"),
           ("POST", "/proceedings/{key}/comment")}


def _guarded_routes(app: object) -> list[tuple[str, str]]:
    """Every proceedings route that is not public reading or taking part, from the app."""
    from fastapi.routing import APIRoute

    def walk(routes: list[object]) -> Iterator[APIRoute]:
        for r in routes:
            if isinstance(r, APIRoute):
                yield r
            elif hasattr(r, "original_router"):  # FastAPI >= 0.165 keeps included routers
                yield from walk(r.original_router.routes)

    out = []
    for route in walk(app.routes):  # type: ignore[attr-defined]
        if not route.path.startswith(
                ("/api/proceedings", "/proceedings", "/moderation/proceedings")):
            continue
        for method in sorted(route.methods):
            public_read = method == "GET" and "moderation" not in route.path \
                and route.path != "/proceedings-edit"
            if not public_read and (method, route.path) not in _PUBLIC:
                out.append((method, route.path))
    return out


def test_every_editor_and_moderator_route_refuses_others(app: object, client: TestClient,
                                                         db_url: str) -> None:
    from stufenlos.api.routes.plan_edit import form_token
    from stufenlos.plan.models import Editor

    routes = _guarded_routes(app)
    # the enumeration must find the editors' and moderators' routes it is meant to guard
    assert {("POST", "/api/proceedings"), ("POST", "/api/proceedings/{key}/fixes"),
            ("POST", "/proceedings-edit/create"), ("GET", "/api/proceedings/moderation/queue"),
            ("POST", "/moderation/proceedings")} <= set(routes)
    fill = {"{key}": DEMO_SLUG, "{target}": "fix", "{item_id}": "1"}
    monitor = _auth("mona")
    store = plan_service.PlanStore(db_url)
    with store.session() as session:  # a valid form token: only the role may refuse
        token = form_token(session.scalar(select(Editor).where(Editor.username == "mona")))
    store.close()
    body = {"token": token, "proceeding": DEMO_SLUG, "phase": "participation",
            "confirm": "yes", "fix": "steps:1", "target": "fix", "item_id": "1",
            "decision": "adopted", "slug": "x", "city": "hamburg"}
    for method, path in routes:
        url = path
        for k, v in fill.items():
            url = url.replace(k, v)
        anonymous = client.request(method, url, data=body if method == "POST" else None,
                                   follow_redirects=False)
        refused = anonymous.status_code in (401, 403) or (
            anonymous.status_code == 303 and anonymous.headers["location"].startswith(
                "/moderation?"))
        assert refused, (method, path, anonymous.status_code)
        if path.startswith("/api/proceedings/moderation") or "/moderation/" in path:
            continue  # moderators sign in apart from editors
        if method == "POST" and path.startswith("/api/"):
            json_body = {"publish": True, "phase": "participation", "decision": "adopted",
                         "change": {"action": "add_elevator", "way": 1}}
            r = client.post(url, json=json_body, headers=monitor)
        else:
            r = client.request(method, url, data=body if method == "POST" else None,
                               headers=monitor, follow_redirects=False)
        if method == "GET":
            continue  # a monitor may look at the editors' page
        assert r.status_code == 403, (method, path, r.status_code, r.text[:200])
    assert client.get(f"/api/proceedings/{DEMO_SLUG}").json()["phase"] == "information"
