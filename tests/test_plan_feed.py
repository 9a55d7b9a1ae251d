"""The plan's Atom feeds: entries written for people, one feed per commitment."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from xml.etree import ElementTree

import feedparser
import pytest
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.plan import service

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("planfeed")
    mp = pytest.MonkeyPatch()
    url = f"sqlite:///{tmp / 'app.sqlite'}"
    mp.setenv("DATABASE_URL", url)
    mp.setenv("STUFENLOS_DATA_DIR", str(tmp / "data"))
    with TestClient(create_app()) as c:
        assert c.get("/api/plan").status_code == 200  # seeds the plan
        store = service.PlanStore(url)
        with store.session() as session:
            service.create_editor(session, service.EditorCreate(
                username="alice", secret="correct horse battery", roles=["edit"]), actor="test")
        store.close()
        auth = {"Authorization": "Basic " + base64.b64encode(
            b"alice:correct horse battery").decode()}
        r = c.patch("/api/plan/milestones/mob-information-pillar", json={"status": "done"},
                    headers=auth)
        assert r.status_code == 200, r.text
        yield c
    mp.undo()


def _entries(c: TestClient, path: str) -> list[ElementTree.Element]:
    r = c.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(r.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    root = ElementTree.fromstring(r.content)
    for el in (root, *root.findall(f"{ATOM}entry")):  # RFC 4287 required elements
        for child in ("id", "title", "updated"):
            assert len(el.findall(f"{ATOM}{child}")) == 1, (el.tag, child)
    return root.findall(f"{ATOM}entry")


@pytest.mark.parametrize(("lang", "title"), [
    ("de", "Meilenstein „Infostele je Haltestelle“ ist jetzt erledigt"),
    ("en", "Milestone 'Information pillar per stop' is now done"),
    ("ls", "Das Ziel „Infostele je Haltestelle“ ist jetzt fertig."),
])
def test_milestone_change_is_written_for_people(client: TestClient, lang: str,
                                                title: str) -> None:
    entries = _entries(client, f"/plan/feed.atom?lang={lang}")
    assert entries[0].findtext(f"{ATOM}title") == title
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith(f"/plan/commitments/mobility?lang={lang}")


def test_commitment_feed_has_only_its_own_changes(client: TestClient) -> None:
    mobility = _entries(client, "/plan/commitments/DEHHB0002/feed.atom?lang=en")
    titles = [e.findtext(f"{ATOM}title") for e in mobility]
    assert titles[0] == "Milestone 'Information pillar per stop' is now done"
    assert "New milestone 'Reporting channel for barriers'" in titles
    assert not any("data dialogues" in t.lower() for t in titles)  # commitment DEHHB0001's
    other = [e.findtext(f"{ATOM}title")
             for e in _entries(client, "/plan/commitments/DEHHB0001/feed.atom?lang=en")]
    assert other and "Milestone 'Information pillar per stop' is now done" not in other
    assert any("data-dialogue" in t.lower() or "data dialogue" in t.lower() for t in other)
    assert client.get("/plan/commitments/nope/feed.atom").status_code == 404


def test_pages_link_their_feeds(client: TestClient) -> None:
    assert 'href="/plan/feed.atom?lang=en"' in client.get("/plan?lang=en").text
    page = client.get("/plan/commitments/mobility?lang=en").text
    assert 'href="/plan/commitments/mobility/feed.atom?lang=en"' in page
