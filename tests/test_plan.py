"""The action-plan tracker: seed, status updates, overdue flags, roles, audit, feed, pages."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from stufenlos.api.app import create_app
from stufenlos.plan import service
from stufenlos.plan.explainers import EXPLAINERS, GLOSSARY, LANGUAGES, QUESTIONS
from stufenlos.plan.models import AuditEntry, Commitment, Editor, StatusUpdate
from stufenlos.plan.seed import PLAN_SLUG, seed_hamburg

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[service.PlanStore]:
    s = service.PlanStore(f"sqlite:///{tmp_path / 'app.sqlite'}")
    with s.session() as session:
        seed_hamburg(session)
    yield s
    s.close()


def _editor(store: service.PlanStore, name: str, roles: list[str]) -> Editor:
    with store.session() as session:
        return service.create_editor(
            session,
            service.EditorCreate(username=name, secret="correct horse battery", roles=roles),
            actor="test",
        )


def test_seed_has_both_real_commitments(store: service.PlanStore) -> None:
    with store.session() as session:
        plan = service.plan_overview(session, PLAN_SLUG, today=TODAY)
        assert seed_hamburg(session) is False  # idempotent
    codes = [c["code"] for c in plan["commitments"]]
    assert codes == ["DEHHB0001", "DEHHB0002"]
    mobility = plan["commitments"][1]
    assert {m["feature"] for m in mobility["milestones"]} >= {
        "barriers",
        "pillar",
        "reports",
        "catalog",
    }
    assert mobility["start_date"] == "2023-01-01"
    assert mobility["end_date"] == "2024-10-31"
    for c in plan["commitments"]:
        assert set(c["title"]) == {"de", "en"}
        inception = next(a for a in c["assessments"] if a["kind"] == "inception")
        assert inception["verifiable"] is True and inception["relevant"] is True
        end = next(a for a in c["assessments"] if a["kind"] == "end_of_commitment")
        assert end["completion"] is None  # not in our sources: not recorded, not guessed
    kinds = {b["kind"] for b in plan["bodies"]}
    assert kinds == {"steering_group", "forum", "working_group"}
    unknown = [f for f in plan["cocreation"] if f["participants"] is None]
    assert unknown and all(f["note"]["en"] for f in unknown)


def test_status_update_changes_progress_and_appears_in_feed(store: service.PlanStore) -> None:
    ed = _editor(store, "alice", ["edit"])
    with store.session() as session:
        service.add_status_update(
            session,
            ed,
            "DEHHB0002",
            service.StatusUpdateCreate(
                quarter="2023-Q2",
                progress_pct=25,
                text={"en": "Working group met.", "de": "AG traf sich."},
            ),
        )
    with store.session() as session:
        c = session.scalar(select(Commitment).where(Commitment.code == "DEHHB0002"))
        assert c.progress_pct == 25
        # an older quarter published later does not move progress back
        service.add_status_update(
            session,
            ed,
            "mobility",
            service.StatusUpdateCreate(quarter="2023-Q1", progress_pct=10, text={"en": "Start."}),
        )
    with store.session() as session:
        c = session.scalar(select(Commitment).where(Commitment.code == "DEHHB0002"))
        assert c.progress_pct == 25
        entries = service.feed_entries(session)
        assert entries[0].summary == "DEHHB0002: status update 2023-Q1, 10 % complete"
        assert any("2023-Q2, 25 %" in e.summary for e in entries)
        detail = service.commitment_detail(session, "DEHHB0002", today=TODAY)
        assert "2023-Q2" not in detail["overdue_updates"]
        assert "2023-Q3" in detail["overdue_updates"]


def test_duplicate_quarter_is_a_conflict_and_changes_nothing(store: service.PlanStore) -> None:
    ed = _editor(store, "alice", ["edit"])
    body = service.StatusUpdateCreate(quarter="2024-Q1", progress_pct=50, text={"en": "x"})
    with store.session() as session:
        service.add_status_update(session, ed, "DEHHB0001", body)
    with pytest.raises(service.PlanConflictError, match="2024-Q1"), store.session() as session:
        service.add_status_update(session, ed, "DEHHB0001", body)
    with store.session() as session:
        n = len(session.scalars(select(StatusUpdate)).all())
        assert n == 1


def test_overdue_quarterly_update_is_flagged() -> None:
    c = Commitment(
        slug="x", title={"en": "x"}, start_date=dt.date(2025, 1, 15), end_date=dt.date(2026, 12, 31)
    )
    updates = [StatusUpdate(id=1, quarter="2025-Q1", progress_pct=5, text={}, author="a")]
    rows = service.quarterly_status(c, updates, dt.date(2025, 7, 30))
    assert [r["quarter"] for r in rows] == ["2025-Q1", "2025-Q2"]
    assert rows[0]["overdue"] is False  # published
    assert rows[1]["overdue"] is False  # Q2 ended 30 June, due 30 July: still in time
    rows = service.quarterly_status(c, updates, dt.date(2025, 7, 31))
    assert rows[1] == {
        "quarter": "2025-Q2",
        "due": "2025-07-30",
        "update_id": None,
        "overdue": True,
    }


@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=2000),
    today_offset=st.integers(min_value=-100, max_value=3000),
)
def test_schedule_covers_each_ended_quarter_once(
    start: dt.date, days: int, today_offset: int
) -> None:
    end = start + dt.timedelta(days=days)
    today = start + dt.timedelta(days=today_offset)
    c = Commitment(slug="x", title={}, start_date=start, end_date=end)
    rows = service.quarterly_status(c, [], today)
    quarters = [r["quarter"] for r in rows]
    assert quarters == sorted(set(quarters))
    for r in rows:
        due = dt.date.fromisoformat(r["due"])
        assert due < today + dt.timedelta(days=service.UPDATE_GRACE_DAYS)
        assert r["overdue"] == (today > due)
    if rows:
        assert rows[0]["quarter"] == service.quarter_of(start)


def test_editor_without_role_is_refused(store: service.PlanStore) -> None:
    viewer = _editor(store, "bob", ["monitor"])
    with pytest.raises(service.PermissionDeniedError, match="'edit'"), store.session() as session:
        service.add_status_update(
            session,
            viewer,
            "DEHHB0001",
            service.StatusUpdateCreate(quarter="2023-Q1", progress_pct=5, text={"en": "x"}),
        )
    # the monitor role may assess, an editor may not
    editor = _editor(store, "carol", ["edit"])
    body = service.AssessmentCreate(kind="end_of_commitment", completion="substantial")
    with pytest.raises(service.PermissionDeniedError), store.session() as session:
        service.add_assessment(session, editor, "DEHHB0001", body)
    with store.session() as session:
        a = service.add_assessment(session, viewer, "DEHHB0001", body)
        assert a.completion == "substantial"


def test_secrets_are_hashed_and_checked(store: service.PlanStore) -> None:
    _editor(store, "alice", ["edit"])
    with store.session() as session:
        row = session.scalar(select(Editor).where(Editor.username == "alice"))
        assert "correct horse" not in row.secret_hash
        assert row.secret_hash.startswith("scrypt$")
        assert service.authenticate(session, "alice", "correct horse battery").username == "alice"
        with pytest.raises(service.AuthenticationError):
            service.authenticate(session, "alice", "wrong horse battery")
        with pytest.raises(service.AuthenticationError):
            service.authenticate(session, "mallory", "correct horse battery")


def test_every_edit_is_audited(store: service.PlanStore) -> None:
    ed = _editor(store, "alice", ["edit"])
    with store.session() as session:
        service.change_milestone(
            session, ed, "mob-information-pillar", service.MilestoneChange(status="done")
        )
    with store.session() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.actor == "alice"
        assert entry.entity == "milestones"
        assert entry.before["status"] == "in_progress"
        assert entry.after["status"] == "done"
        account = session.scalar(select(AuditEntry).where(AuditEntry.entity == "editors"))
        assert account.public is False  # accounts are audited but not in the feed
        assert "secret" not in str(account.after)


def test_explainers_cover_every_question_in_every_language() -> None:
    for key, e in EXPLAINERS.items():
        for q in ("title", *QUESTIONS):
            assert set(e[q]) == set(LANGUAGES), (key, q)
            assert all(e[q][lang].strip() for lang in LANGUAGES), (key, q)
    for key in ("step-free", "kerb", "incline", "tactile-paving"):
        assert set(GLOSSARY[key]["text"]) == set(LANGUAGES)


# ---------------------------------------------------------------- HTTP


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "data"))
    with TestClient(create_app()) as c:
        yield c


def _auth(user: str, secret: str = "correct horse battery") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _api_editor(tmp_path: Path, name: str, roles: list[str]) -> None:
    s = service.PlanStore(f"sqlite:///{tmp_path / 'app.sqlite'}")
    with s.session() as session:
        service.create_editor(
            session,
            service.EditorCreate(username=name, secret="correct horse battery", roles=roles),
            actor="test",
        )
    s.close()


def test_api_status_update_appears_in_valid_atom_feed(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/api/plan").status_code == 200  # seeds the plan
    _api_editor(tmp_path, "alice", ["edit"])
    body = {
        "quarter": "2024-Q3",
        "progress_pct": 80,
        "text": {"de": "Fast fertig.", "en": "Nearly done."},
    }
    r = client.post("/api/plan/commitments/DEHHB0002/updates", json=body, headers=_auth("alice"))
    assert r.status_code == 201, r.text
    plan = client.get("/api/plan").json()
    assert plan["commitments"][1]["progress_pct"] == 80
    feed = client.get("/plan/feed.atom?lang=en")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(feed.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.entries[0].title == (
        "Quarterly update 2024-Q3 on 'Improving accessibility and visibility of mobility "
        "services': 80 percent complete")
    assert all(e.id and e.updated for e in parsed.entries)
    # RFC 4287: feed and every entry have exactly one id, title and updated; entries an author
    atom = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.fromstring(feed.content)
    assert root.tag == f"{atom}feed"
    for el in (root, *root.findall(f"{atom}entry")):
        for child in ("id", "title", "updated"):
            assert len(el.findall(f"{atom}{child}")) == 1, (el.tag, child)
        dt.datetime.fromisoformat(el.findtext(f"{atom}updated"))
    assert all(e.find(f"{atom}author/{atom}name") is not None for e in root.findall(f"{atom}entry"))
    ids = [e.findtext(f"{atom}id") for e in root.findall(f"{atom}entry")]
    assert len(ids) == len(set(ids))
    page = client.get("/plan/commitments/DEHHB0002?lang=en").text
    assert "Nearly done." in page
    assert "80 %" in page


def test_api_refuses_missing_wrong_and_roleless_editors(client: TestClient, tmp_path: Path) -> None:
    client.get("/api/plan")
    _api_editor(tmp_path, "mona", ["monitor"])
    body = {"quarter": "2024-Q3", "progress_pct": 80, "text": {"en": "x"}}
    url = "/api/plan/commitments/DEHHB0002/updates"
    missing = client.post(url, json=body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Basic")
    assert client.post(url, json=body, headers=_auth("mona", "wrong secret!!")).status_code == 401
    r = client.post(url, json=body, headers=_auth("mona"))
    assert r.status_code == 403
    assert r.json()["error"] == "PermissionDeniedError"
    bad = client.post(url, json=body | {"progress_pct": 101}, headers=_auth("mona"))
    assert bad.status_code == 422
    assert "progress_pct" in bad.json()["detail"]
    assert client.get("/api/plan/audit").status_code == 401
    assert client.get("/api/plan/audit", headers=_auth("mona")).status_code == 200


def test_pages_render_in_every_language(client: TestClient) -> None:
    for lang, html_lang, word in (("de", "de", "Verpflichtungen"), ("en", "en", "Commitments")):
        r = client.get(f"/plan?lang={lang}")
        assert r.status_code == 200
        assert f'<html lang="{html_lang}">' in r.text
        assert word in r.text
        assert 'href="#main"' in r.text
        assert "© OpenStreetMap contributors" in r.text  # footer attribution from city configs
    easy = client.get("/plan/explainers?lang=ls").text
    assert EXPLAINERS["barriers"]["limits"]["ls"] in easy
    glossary = client.get("/plan/glossary?lang=en").text
    assert "tactile paving" in glossary
    assert client.get("/plan/commitments/NOPE").status_code == 404


def test_live_figures_say_not_available_instead_of_inventing(client: TestClient) -> None:
    plan = client.get("/api/plan").json()
    mobility = plan["commitments"][1]
    figures = {m["feature"]: m["live_figures"] for m in mobility["milestones"] if m["feature"]}
    barriers = figures["barriers"]
    assert barriers and all(f["value"] is None and not f["available"] for f in barriers)
    assert barriers[0]["note"]["en"] == "not available yet"
    assert figures["catalog"][0]["value"] >= 2  # reports, plan (+3 or 4 per imported city)


def test_migrations_match_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from stufenlos.db import Base

    s = service.PlanStore(f"sqlite:///{tmp_path / 'm.sqlite'}")
    with s.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda obj, name, type_, _r, _c: (
                    (obj.table.name if type_ in ("column", "index") else name).startswith("plan_")
                    if type_ in ("table", "column", "index")
                    else True
                ),
                "compare_type": True,
            },
        )
        diff = compare_metadata(ctx, Base.metadata)
    s.close()
    assert diff == []


def test_api_stakeholders_endorsements_and_cocreation(client: TestClient, tmp_path: Path) -> None:
    plan = client.get("/api/plan").json()
    _api_editor(tmp_path, "alice", ["edit"])
    body = {"name": "Sozialverband Beispiel", "sector": "civil_society", "endorsed": True}
    r = client.post("/api/plan/stakeholders", json=body, headers=_auth("alice"))
    assert r.status_code == 201, r.text
    koerber = next(s for s in plan["stakeholders"] if s["name"] == "Körber-Stiftung")
    r = client.patch(
        f"/api/plan/stakeholders/{koerber['id']}", json={"endorsed": True}, headers=_auth("alice")
    )
    assert r.json()["endorsed"] is True
    unknown = next(f for f in plan["cocreation"] if f["sector"] == "civil_society")
    r = client.patch(
        f"/api/plan/cocreation/{unknown['id']}", json={"meetings": 3}, headers=_auth("alice")
    )
    assert r.json()["meetings"] == 3
    assert r.json()["participants"] is None  # untouched: still not recorded
    bad = client.patch(
        f"/api/plan/cocreation/{unknown['id']}", json={"meetings": -1}, headers=_auth("alice")
    )
    assert bad.status_code == 422
    assert (
        client.patch(
            "/api/plan/stakeholders/9999", json={"endorsed": False}, headers=_auth("alice")
        ).status_code
        == 404
    )
    after = client.get("/api/plan").json()
    assert any(
        s["name"] == "Sozialverband Beispiel" and s["endorsed"] for s in after["stakeholders"]
    )
    feed = client.get("/plan/feed.atom").text
    assert "„Körber-Stiftung“ unterstützt den Aktionsplan" in feed
