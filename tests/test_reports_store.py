"""The report store and service on SQLite and on a real PostgreSQL/PostGIS."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from stufenlos.reports import ReportQuery, ReportService, ReportStore, Submission
from stufenlos.reports.errors import (
    AuthenticationError,
    InvalidTransitionError,
    ReportInputError,
    ReportNotFoundError,
)
from stufenlos.reports.models import Report
from stufenlos.reports.routing_effect import Effect


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def store(request: pytest.FixtureRequest, tmp_path) -> ReportStore:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reports.sqlite'}"
    else:
        url = request.getfixturevalue("postgis_url")
    s = ReportStore(url)
    yield s
    s.close()


@pytest.fixture
def svc(store: ReportStore) -> ReportService:
    def finder(city, lat, lon, equipment, address):  # synthetic: every report closes way 77
        return Effect(({"kind": "way", "ref": "77", "osm_way_id": 77},))

    return ReportService(store, auto_hide_flags=3, closure_finder=finder)


def _sub(**kw) -> Submission:
    base = {"service_code": "blocked-sidewalk", "lat": 53.5503, "lon": 9.9930,
            "description": "Bauzaun auf dem Gehweg"}
    base.update(kw)
    return Submission(**base)


def test_submit_and_read_back(svc: ReportService) -> None:
    r = svc.submit(_sub(email="someone@example.org"), client="c1")
    with pytest.raises(ReportNotFoundError):
        svc.get(r.id)  # pre-moderated: not public until accepted
    got = svc.get(r.id, public=False)
    assert got.status == "submitted"
    assert got.description == "Bauzaun auf dem Gehweg"
    assert (got.lat, got.lon) == (53.5503, 9.9930)
    assert got.requested_at.tzinfo is not None
    assert [e.status for e in got.events] == ["submitted"]
    # the contact lives apart from the report row
    assert svc.contact_email(r.id) == "someone@example.org"
    with svc.store.session() as s:
        cols = {c.name for c in Report.__table__.columns}
        assert "email" not in cols
        assert s.scalar(sa.text("select count(*) from report_contacts")) == 1


@pytest.mark.postgis
def test_postgis_geometry_is_kept_in_step(postgis_url: str) -> None:
    store = ReportStore(postgis_url)
    try:
        r = ReportService(store).submit(_sub(), client="c1")
        with store.session() as s:
            wkt = s.scalar(sa.text("select ST_AsText(geom) from reports where id = :i"),
                           {"i": r.id})
    finally:
        store.close()
    assert wkt == "POINT(9.993 53.5503)"


def test_bbox_status_and_code_filters(svc: ReportService) -> None:
    inside = svc.submit(_sub(), client="a")
    outside = svc.submit(_sub(lat=48.137, lon=11.575), client="b")
    elevator = svc.submit(_sub(service_code="broken-elevator",
                               attributes={"equipment": "elevator"}), client="c")
    assert svc.list(ReportQuery()) == []
    for r in (inside, elevator):
        svc.accept(r.id, actor="m")
    hamburg = (9.9, 53.5, 10.1, 53.6)
    ids = {r.id for r in svc.list(ReportQuery(bbox=hamburg))}
    assert ids == {inside.id, elevator.id}
    ids = {r.id for r in svc.list(ReportQuery(service_codes=["broken-elevator"]))}
    assert ids == {elevator.id}
    svc.set_status(outside.id, "open", actor="m")
    svc.set_status(outside.id, "fixed", actor="m")
    assert {r.id for r in svc.list(ReportQuery(open311_statuses=["closed"]))} == {outside.id}
    assert outside.id not in {r.id for r in svc.list(ReportQuery(open311_statuses=["open"]))}
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert svc.list(ReportQuery(start=later)) == []


def test_lifecycle_with_notes_and_history(svc: ReportService) -> None:
    r = svc.submit(_sub(), client="a")
    svc.accept(r.id, actor="mod", note="Checked on site.")
    svc.set_status(r.id, "acknowledged", actor="mod", agency="Bezirksamt Mitte")
    svc.set_status(r.id, "in_progress", actor="mod",
                   expected_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    done = svc.set_status(r.id, "fixed", actor="mod", note="Fence removed.")
    assert done.status == "fixed"
    assert done.agency_responsible == "Bezirksamt Mitte"
    assert done.expected_at == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    steps = [(e.status, e.note) for e in svc.get(r.id).events]
    assert steps[0] == ("submitted", "Received; a moderator will check it soon.")
    assert steps[1] == ("open", "Checked on site.")
    assert steps[-1] == ("fixed", "Fence removed.")
    with pytest.raises(InvalidTransitionError):
        svc.set_status(r.id, "in_progress", actor="mod")


def test_rejected_and_hidden_reports_are_not_public(svc: ReportService) -> None:
    r1 = svc.submit(_sub(), client="a")
    r2 = svc.submit(_sub(), client="b")
    svc.accept(r2.id, actor="mod")
    svc.reject(r1.id, actor="mod")
    svc.hide(r2.id, actor="mod", reason="personal data in the text")
    for rid in (r1.id, r2.id):
        with pytest.raises(ReportNotFoundError):
            svc.get(rid)
    assert svc.list(ReportQuery()) == []
    svc.unhide(r2.id, actor="mod")
    assert [r.id for r in svc.list(ReportQuery())] == [r2.id]


def test_auto_hide_after_flags_from_different_clients(svc: ReportService) -> None:
    r = svc.submit(_sub(), client="a")
    svc.accept(r.id, actor="m")
    assert svc.flag(r.id, reason="spam", client="x") is False
    assert svc.flag(r.id, reason="spam", client="x") is False  # same client counts once
    assert svc.flag(r.id, reason="offensive", client="y") is False
    assert svc.flag(r.id, reason="spam", client="z") is True
    with pytest.raises(ReportNotFoundError):
        svc.get(r.id)
    actions = [(a.actor, a.action) for a in svc.audit_log(report_id=r.id)]
    assert ("system", "auto_hide") in actions
    assert {e["report"].id for e in svc.queue()} == {r.id}
    svc.unhide(r.id, actor="m")
    with pytest.raises(ReportInputError, match="reason"):
        svc.flag(r.id, reason="because", client="w")


def test_confirmations_count_once_per_client_and_move_on_merge(svc: ReportService) -> None:
    a = svc.submit(_sub(), client="a")
    b = svc.submit(_sub(), client="b")
    svc.accept(a.id, actor="m")
    svc.accept(b.id, actor="m")
    svc.confirm(a.id, kind="still_there", client="x")
    svc.confirm(a.id, kind="still_there", client="x")
    assert svc.confirm(a.id, kind="fixed", client="y") == {"still_there": 1, "fixed": 1}
    svc.confirm(b.id, kind="still_there", client="z")
    queued = {e["report"].id: e["fixed_votes"] for e in svc.queue()}
    assert queued == {a.id: 1}  # someone says it is fixed: a moderator should look
    merged = svc.merge(b.id, into=a.id, actor="m")
    assert merged.status == "duplicate"
    assert merged.duplicate_of == a.id
    assert svc.confirmations(a.id) == {"still_there": 2, "fixed": 1}
    with pytest.raises(InvalidTransitionError):
        svc.merge(a.id, into=b.id, actor="m")


def test_edit_replaces_text_and_says_so(svc: ReportService) -> None:
    r = svc.submit(_sub(description="Zaun. Ruft mich an: 0170 1234567"), client="a")
    assert svc.get(r.id, public=False).description == "Zaun. Ruft mich an: [entfernt]"
    svc.accept(r.id, actor="m")
    svc.edit(r.id, actor="m", description="Zaun.")
    got = svc.get(r.id)
    assert got.description == "Zaun."
    assert got.events[-1].kind == "edit"


def test_audit_log_is_append_only(svc: ReportService) -> None:
    r = svc.submit(_sub(), client="a")
    svc.accept(r.id, actor="mod")
    assert [a.action for a in svc.audit_log(report_id=r.id)] == ["status", "submit"]
    for stmt in ("update report_audit set actor = 'x'", "delete from report_audit"):
        with pytest.raises(DBAPIError, match="append-only"), svc.store.engine.begin() as c:
            c.execute(sa.text(stmt))
    assert len(svc.audit_log(report_id=r.id)) == 2


def test_temporary_barrier_expires(svc: ReportService) -> None:
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    r = svc.submit(_sub(attributes={"until": until}, jurisdiction="hamburg"), client="a")
    svc.accept(r.id, actor="m")
    expires = svc.get(r.id).expires_at
    (closure,) = svc.closures_of(r.id)
    assert (closure.city, closure.kind, closure.ref, closure.valid_until, closure.reason) == (
        "hamburg", "way", "77", expires, "Blocked sidewalk")
    assert svc.expire_due(dt.datetime.now(dt.UTC)) == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    assert svc.expire_due(later) == [r.id]
    assert svc.get(r.id).status == "expired"
    assert svc.closures_of(r.id) == []
    # expiring is no check of the barrier: it was last checked when it was accepted
    from stufenlos.reports.export import last_checked

    checked, by = last_checked(svc.get(r.id, public=False))
    assert (checked, by) == (dt.datetime.now(dt.UTC).date().isoformat(), "report_status")
    assert checked != later.date().isoformat()
    with pytest.raises(ReportInputError, match=r"attribute\[until\]"):
        svc.submit(_sub(attributes={"until": "2001-01-01"}), client="a")


def test_blocking_effect_follows_status(svc: ReportService) -> None:
    from stufenlos.closures import ClosureStore

    city = ClosureStore("hamburg", svc.store.url)
    blocking = svc.submit(_sub(jurisdiction="hamburg"), client="a")
    tactile = svc.submit(_sub(service_code="missing-tactile-paving", jurisdiction="hamburg"),
                         client="b")
    assert city.active() == []  # submitted reports do not change routes
    svc.accept(blocking.id, actor="m")
    svc.accept(tactile.id, actor="m")
    assert [c.report_id for c in city.active()] == [blocking.id]
    version = city.version()
    svc.hide(blocking.id, actor="m", reason="test")  # hidden: lifted
    assert city.active() == [] and city.version() > version
    svc.unhide(blocking.id, actor="m")
    assert [c.report_id for c in city.active()] == [blocking.id]
    svc.set_status(blocking.id, "fixed", actor="m")
    assert city.active() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"service_code": "pothole"}, None),
        ({"lat": 95.0}, "lat"),
        ({"lat": None}, "lat"),
        ({"lat": None, "lon": None}, "lat"),
        ({"description": "x" * 4001}, "description"),
        ({"attributes": {"nonsense": "1"}}, "attribute[nonsense]"),
        ({"attributes": {"remaining_width_cm": "wide"}}, "attribute[remaining_width_cm]"),
        ({"service_code": "broken-elevator"}, "attribute[equipment]"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_bad_submissions_store_nothing(svc: ReportService, kwargs, field) -> None:
    from stufenlos.reports.errors import ReportError

    with pytest.raises(ReportError) as info:
        svc.submit(_sub(**kwargs), client="a")
    if field:
        assert info.value.field == field
    assert svc.store.count() == 0


def test_moderator_tokens_are_hashed_and_checked(svc: ReportService) -> None:
    token = svc.add_moderator("Anna")
    assert svc.authenticate_token(token).name == "Anna"
    mod_id, secret = token.split(".")
    with svc.store.session() as s:
        stored = s.scalar(sa.text("select secret_hash from report_moderators"))
    assert secret not in stored and stored.startswith("$argon2")
    for forged in (None, "", "nonsense", f"{mod_id}.wrong", f"99.{secret}", f"{mod_id}.{secret}x"):
        with pytest.raises(AuthenticationError):
            svc.authenticate_token(forged)
    cookie = svc.open_session(svc.authenticate_token(token))
    assert svc.authenticate_session(cookie).name == "Anna"
    svc.close_session(cookie)
    with pytest.raises(AuthenticationError):
        svc.authenticate_session(cookie)


def test_concurrent_submissions_lose_nothing(svc: ReportService) -> None:
    ids: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        r = svc.submit(_sub(description=f"report {i}"), client=f"c{i}")
        with lock:
            ids.append(r.id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 40
    assert svc.store.count() == 40


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_processes_starting_together_migrate_once(backend, tmp_path, request) -> None:
    import subprocess
    import sys

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    else:
        url = request.getfixturevalue("postgis_url")
    code = "import sys; from stufenlos.reports import ReportStore; ReportStore(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE)
             for _ in range(4)]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    s = ReportStore(url, migrate=False)
    with s.session() as session:
        heads = session.scalars(sa.text("select version_num from alembic_version")).all()
    s.close()
    assert any(h.startswith("reports_") for h in heads)
