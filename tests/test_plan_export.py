"""Plan exports round-trip through JSON and CSV, and bad imports change nothing."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stufenlos.plan import export, service
from stufenlos.plan.seed import seed_hamburg


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[service.PlanStore]:
    s = service.PlanStore(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with s.session() as session:
        seed_hamburg(session)
    yield s
    s.close()


def _fresh(tmp_path: Path, name: str) -> service.PlanStore:
    return service.PlanStore(f"sqlite:///{tmp_path / name}")


def test_json_export_round_trips(seeded: service.PlanStore, tmp_path: Path) -> None:
    with seeded.session() as session:
        first = export.export_data(session)
    text = json.dumps(first)
    other = _fresh(tmp_path, "b.sqlite")
    with other.session() as session:
        counts = export.import_data(session, json.loads(text), actor="test")
    assert counts["commitments"] == 2
    with other.session() as session:
        assert export.export_data(session) == first
    other.close()


def test_csv_export_round_trips(seeded: service.PlanStore, tmp_path: Path) -> None:
    with seeded.session() as session:
        first = export.export_data(session)
        blob = export.export_csv_zip(session)
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert "commitments.csv" in names and "status_updates.csv" in names
    other = _fresh(tmp_path, "b.sqlite")
    with other.session() as session:
        export.import_csv_zip(session, blob, actor="test")
    with other.session() as session:
        assert export.export_data(session) == first
        assert export.export_csv_zip(session) == blob
    other.close()


texts = st.dictionaries(
    st.sampled_from(["de", "en", "ls"]),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
    min_size=1,
)


@pytest.fixture
def pair(tmp_path: Path, seeded: service.PlanStore) -> Iterator[tuple[Any, ...]]:
    """Two migrated databases and the seeded plan's export (migrating is the slow part)."""
    src, dst = _fresh(tmp_path, "src.sqlite"), _fresh(tmp_path, "dst.sqlite")
    with seeded.session() as session:
        base = export.export_data(session)
    with src.session() as session:
        service.create_editor(
            session, service.EditorCreate(username="ed", secret="x" * 12, roles=["edit"]), actor="t"
        )
    yield src, dst, base
    src.close()
    dst.close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    updates=st.lists(
        st.tuples(st.integers(2023, 2030), st.integers(1, 4), st.integers(0, 100), texts),
        max_size=6,
        unique_by=lambda u: (u[0], u[1]),
    )
)
def test_any_status_updates_survive_csv(pair: tuple[Any, ...], updates: list) -> None:
    src, dst, base = pair
    with src.session() as session:
        export.import_data(session, base, actor="t")  # back to the seeded plan
        ed = service.authenticate(session, "ed", "x" * 12)
        for year, q, pct, text in updates:
            service.add_status_update(
                session,
                ed,
                "DEHHB0002",
                service.StatusUpdateCreate(quarter=f"{year}-Q{q}", progress_pct=pct, text=text),
            )
    with src.session() as session:
        first = export.export_data(session)
        blob = export.export_csv_zip(session)
    with dst.session() as session:
        export.import_csv_zip(session, blob, actor="t")
    with dst.session() as session:
        assert export.export_data(session) == first
        assert len(first["tables"]["status_updates"]) == len(updates)


def test_bad_import_names_row_and_field_and_changes_nothing(
    seeded: service.PlanStore,
) -> None:
    with seeded.session() as session:
        data = export.export_data(session)
    broken = json.loads(json.dumps(data))
    broken["tables"]["milestones"][2]["due_date"] = "31.12.2024"
    with (
        pytest.raises(
            export.PlanImportError, match=r"plan\.json: tables\.milestones, row 3, field 'due_date'"
        ),
        seeded.session() as session,
    ):
        export.import_data(session, broken, actor="t", source="plan.json")
    with seeded.session() as session:
        assert export.export_data(session) == data  # rolled back
    with pytest.raises(export.PlanImportError, match="not a ZIP"), seeded.session() as session:
        export.import_csv_zip(session, b"nope", actor="t")


def test_cli_export_import_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stufenlos.cli import app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    runner = CliRunner()
    assert runner.invoke(app, ["plan", "seed"]).exit_code == 0
    out = tmp_path / "plan.zip"
    r = runner.invoke(app, ["plan", "export", "--format", "csv", "-o", str(out)])
    assert r.exit_code == 0, r.output
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli2.sqlite'}")
    r = runner.invoke(app, ["plan", "import", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["plan", "export", "--format", "json"])
    assert json.loads(r.stdout)["tables"]["commitments"][1]["code"] == "DEHHB0002"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    r = runner.invoke(app, ["plan", "import", str(bad)])
    assert r.exit_code == 2
    assert "bad.json" in r.output


@pytest.mark.postgis
def test_round_trip_and_edits_on_postgresql(postgis_url: str, seeded: service.PlanStore) -> None:
    """Import into PostgreSQL keeps ids, and later inserts still get fresh ids."""
    with seeded.session() as session:
        first = export.export_data(session)
    pg = service.PlanStore(postgis_url)
    try:
        with pg.session() as session:
            export.import_data(session, first, actor="test")
        with pg.session() as session:
            assert export.export_data(session) == first
            ed = service.create_editor(
                session, service.EditorCreate(username="ed", secret="x" * 12), actor="test"
            )
            update = service.add_status_update(
                session,
                ed,
                "DEHHB0002",
                service.StatusUpdateCreate(quarter="2024-Q2", progress_pct=60, text={"de": "x"}),
            )
            assert update.id == 1
            meeting = service.add_meeting(
                session,
                ed,
                "forum",
                service.MeetingCreate(date="2024-05-01", title={"en": "Forum"}),
            )
            assert meeting.id > max(m["id"] for m in first["tables"]["meetings"])
    finally:
        pg.close()


def test_import_rejects_text_longer_than_its_column(seeded: service.PlanStore) -> None:
    with seeded.session() as session:
        data = export.export_data(session)
    data["tables"]["status_updates"] = [
        {
            "id": 1,
            "commitment_id": 1,
            "quarter": "2024-Q1-extra",
            "progress_pct": 5,
            "text": {},
            "author": "a",
            "published_at": "2024-04-01T00:00:00+00:00",
        }
    ]
    match = r"status_updates, row 1, field 'quarter'"
    with pytest.raises(export.PlanImportError, match=match), seeded.session() as session:
        export.import_data(session, data, actor="t")
