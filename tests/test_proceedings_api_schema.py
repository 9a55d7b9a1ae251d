"""schemathesis: generated requests to the proceedings API never break it.

An editor's credentials go with every request, and a proceeding in Hamburg is open for
participation with a published contribution, so the editing, contributing, commenting
and supporting operations are reached as well as the reading ones.
"""

from __future__ import annotations

import base64

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import allow_header_conformance, positive_data_acceptance

from stufenlos.api.app import create_app
from stufenlos.plan import service as plan_service
from stufenlos.proceedings import service

SECRET = "correct horse battery"
AUTH = "Basic " + base64.b64encode(f"ed:{SECRET}".encode()).decode()

app = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _database(imported_city, city_base, tmp_path_factory):  # type: ignore[no-untyped-def]
    imported_city("hamburg")
    url = f"sqlite:///{tmp_path_factory.mktemp('proceedings-schema') / 'a.sqlite'}"
    store = plan_service.PlanStore(url)
    with store.session() as session:
        ed = plan_service.create_editor(session, plan_service.EditorCreate(
            username="ed", secret=SECRET, roles=["admin"]), actor="test")
        ring = [[9.988, 53.548], [10.005, 53.548], [10.005, 53.555], [9.988, 53.548]]
        service.create_proceeding(session, ed, service.ProceedingCreate(
            slug="test", city="hamburg", title={"en": "Test"}, body="Test body",
            area={"type": "Polygon", "coordinates": [ring]}))
        service.move_phase(session, ed, "test", service.PhaseIn(phase="participation"))
        c = service.contribute(session, "test", service.ContributionIn(
            category="idea", text="Synthetic test contribution", lat=53.552, lon=9.993),
            client="x")
        service.moderate(session, "contribution", c.id, publish=True, actor="test")
    store.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", url)
        mp.setenv("STUFENLOS_DATA_DIR", str(city_base))
        mp.setenv("STUFENLOS_REPORT_RATE", "100000/minute")
        mp.setenv("STUFENLOS_PUBLIC_RATE", "100000/minute")
        yield


@pytest.mark.slow
@schema.include(path_regex=r"^/api/proceedings").parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_proceedings_api_conforms_to_its_openapi_schema(case: schemathesis.Case) -> None:
    # generated ids name fixes and contributions that do not exist (a documented 404),
    # so "schema-valid data must be accepted" does not apply; every other check runs
    case.call_and_validate(headers={"Authorization": AUTH},
                           excluded_checks=[allow_header_conformance, positive_data_acceptance])
