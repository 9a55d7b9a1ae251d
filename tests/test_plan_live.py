"""Live milestone figures come from the real barrier store, reports table and equipment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from stufenlos.barriers import BarrierStore
from stufenlos.city import City
from stufenlos.plan.live import BarrierFigures, ElevatorFigures, ReportFigures, live_figures
from stufenlos.plan.service import PlanStore
from stufenlos.reports.models import Report
from stufenlos.transit.equipment import EquipmentRegistry


def test_barrier_counts_of_an_imported_city(
    imported_city: Callable[[str], City], city_base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = imported_city("herrenberg")
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(city_base))
    figures = {f.key: f for f in BarrierFigures().figures()}
    expected = BarrierStore(city.database_path).count()
    assert expected > 0
    assert figures["barriers:herrenberg"].value == expected
    assert "Herrenberg" in figures["barriers:herrenberg"].label["en"]


def test_no_imported_city_means_not_available(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path))
    (figure,) = BarrierFigures().figures()
    assert figure.value is None
    assert figure.to_dict()["note"]["en"] == "not available yet"


def test_open_and_fixed_reports(tmp_path: Path) -> None:
    store = PlanStore(f"sqlite:///{tmp_path / 'app.sqlite'}")  # migrates every branch
    now = dt.datetime.now(dt.UTC)
    with store.session() as session:
        for i, status in enumerate(["submitted", "in_progress", "fixed", "fixed", "rejected"]):
            session.add(
                Report(
                    token=f"t{i}",
                    service_code="obstacle",
                    status=status,
                    requested_at=now,
                    updated_at=now,
                    hidden=False,
                )
            )
        session.add(
            Report(
                token="hidden",
                service_code="obstacle",
                status="open",
                requested_at=now,
                updated_at=now,
                hidden=True,
            )
        )
    figures = {f.key: f.value for f in ReportFigures(store.engine).figures()}
    assert figures == {"reports:open": 2, "reports:fixed": 2}
    store.close()


def _registry() -> EquipmentRegistry:
    rows = [
        {
            "id": f"e{i}",
            "kind": kind,
            "source": "test",
            "name": f"lift {i}",
            "lon": 10.0,
            "lat": 53.5,
            "station_id": "s1",
            "pathway_id": None,
            "osm_id": None,
        }
        for i, kind in enumerate(["elevator", "elevator", "elevator", "elevator", "escalator"])
    ]
    return EquipmentRegistry(pd.DataFrame(rows))


def test_elevator_availability_counts_known_states_only() -> None:
    reg = _registry()
    assert ElevatorFigures(lambda: [reg]).figures()[0].value is None  # nothing reported yet
    reg.set_status("e0", "ACTIVE")
    reg.set_status("e1", "ACTIVE")
    reg.set_status("e2", "INACTIVE")
    reg.set_status("e4", "INACTIVE")  # an escalator does not count
    (figure,) = ElevatorFigures(lambda: [reg]).figures()
    assert figure.value == pytest.approx(66.7)
    assert figure.note["en"] == "2 of 3 with a known status; 1 without a report"
    assert figure.as_of is not None
    assert ElevatorFigures().figures()[0].value is None


def test_live_figures_by_feature() -> None:
    reg = _registry()
    reg.set_status("e0", "ACTIVE")
    out = live_figures(["pillar", "nothing"], {"pillar": [ElevatorFigures(lambda: [reg])]})
    assert out["pillar"][0]["value"] == 100.0
    assert out["nothing"] == []
