"""Editor pages: Basic login, forged and cross-site posts refused, updates published."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.api.routes.plan_edit import form_token
from stufenlos.plan import service

SECRET = "correct horse battery"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "data"))
    store = service.PlanStore(url)
    with store.session() as session:
        for name, roles in (("anna", ["edit"]), ("mona", ["monitor"])):
            service.create_editor(
                session, service.EditorCreate(username=name, secret=SECRET, roles=roles), actor="t"
            )
    store.close()
    with TestClient(create_app()) as c:
        yield c


def _token(client: TestClient, user: str) -> str:
    page = client.get("/plan/edit?lang=en", auth=(user, SECRET))
    assert page.status_code == 200
    return re.search(r'name="token" value="([0-9a-f]+)"', page.text).group(1)


def _form(token: str, **extra: str) -> dict[str, str]:
    return {
        "token": token,
        "commitment": "mobility",
        "quarter": "2024-Q3",
        "progress_pct": "70",
        "text_en": "Pillar prototype tested with the working group.",
    } | extra


def test_login_is_required(client: TestClient) -> None:
    r = client.get("/plan/edit")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Basic")
    assert client.get("/plan/edit", auth=("anna", "wrong secret!!")).status_code == 401


def test_update_from_the_form_is_published(client: TestClient) -> None:
    token = _token(client, "anna")
    r = client.post(
        "/plan/edit/update?lang=en",
        data=_form(token),
        auth=("anna", SECRET),
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/plan/edit?done=update&lang=en"
    assert (
        "Quarterly update published."
        in client.get(r.headers["location"], auth=("anna", SECRET)).text
    )
    c = client.get("/api/plan/commitments/DEHHB0002").json()
    assert c["progress_pct"] == 70
    assert c["status_updates"][0]["author"] == "anna"
    assert "2024-Q3" not in c["overdue_updates"]


def test_bad_input_comes_back_with_the_error_and_the_values(client: TestClient) -> None:
    token = _token(client, "anna")
    r = client.post(
        "/plan/edit/update?lang=en",
        data=_form(token, quarter="Q3/2024", progress_pct="70"),
        auth=("anna", SECRET),
    )
    assert r.status_code == 422
    assert 'role="alert"' in r.text
    assert "quarter" in r.text
    assert "Pillar prototype tested" in r.text  # nothing typed is lost
    assert client.get("/api/plan/commitments/DEHHB0002").json()["status_updates"] == []


def test_forged_and_cross_site_posts_are_refused(client: TestClient) -> None:
    token = _token(client, "anna")
    forged = client.post("/plan/edit/update", data=_form("0" * 64), auth=("anna", SECRET))
    assert forged.status_code == 403
    cross = client.post(
        "/plan/edit/update",
        data=_form(token),
        auth=("anna", SECRET),
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert client.get("/api/plan/commitments/DEHHB0002").json()["status_updates"] == []


def test_editor_without_the_role_cannot_change_anything(client: TestClient) -> None:
    page = client.get("/plan/edit?lang=en", auth=("mona", SECRET))
    assert "lacks the “edit” role" in page.text
    store = service.PlanStore(os.environ["DATABASE_URL"])
    with store.session() as session:  # a valid token, as if a form had been shown
        token = form_token(service.authenticate(session, "mona", SECRET))
    store.close()
    r = client.post("/plan/edit/update", data=_form(token), auth=("mona", SECRET))
    assert r.status_code == 403
    r = client.post(
        "/plan/edit/milestone",
        data={"token": token, "milestone": "mob-open-formats", "status": "done"},
        auth=("mona", SECRET),
    )
    assert r.status_code == 403


def test_milestone_status_from_the_form(client: TestClient) -> None:
    token = _token(client, "anna")
    r = client.post(
        "/plan/edit/milestone",
        data={"token": token, "milestone": "mob-open-formats", "status": "done"},
        auth=("anna", SECRET),
        follow_redirects=False,
    )
    assert r.status_code == 303
    milestones = client.get("/api/plan/commitments/DEHHB0002").json()["milestones"]
    assert {m["slug"]: m["status"] for m in milestones}["mob-open-formats"] == "done"
    bad = client.post(
        "/plan/edit/milestone",
        data={"token": token, "milestone": "mob-open-formats", "status": "finished"},
        auth=("anna", SECRET),
    )
    assert bad.status_code == 422
    assert "status: Input should be &#39;unknown&#39;" in bad.text


def test_meeting_with_decisions_from_the_form(client: TestClient) -> None:
    token = _token(client, "anna")
    form = {
        "token": token,
        "body": "working-group-mobility",
        "date": "2024-03-14",
        "title_en": "Working group on mobility",
        "decisions_en": "Test the information pillar at two stations.",
        "minutes_url": "https://example.org/minutes.pdf",
    }
    r = client.post("/plan/edit/meeting", data=form, auth=("anna", SECRET), follow_redirects=False)
    assert r.status_code == 303
    plan = client.get("/api/plan").json()
    wg = next(b for b in plan["bodies"] if b["slug"] == "working-group-mobility")
    assert wg["meetings"][0]["decisions"]["en"] == "Test the information pillar at two stations."
    page = client.get("/plan?lang=en").text
    assert "Test the information pillar at two stations." in page
    bad = client.post(
        "/plan/edit/meeting", data=form | {"minutes_url": "ftp://x"}, auth=("anna", SECRET)
    )
    assert bad.status_code == 422
    assert "minutes_url" in bad.text
