"""schemathesis: generated requests against /openapi.json must never break the API.

Checks: no 5xx, responses match their declared schema, status codes and content
types are documented. The example count stays small so the suite stays fast.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    positive_data_acceptance,
)

from stufenlos.api.app import create_app

#: every operation except the action plan's and the proceedings', which
#: tests/test_plan_api_schema.py and tests/test_proceedings_api_schema.py run with an
#: editor's credentials
PATHS = r"^/(?!api/plan|api/proceedings)"

# The schema does not depend on data; the data folder is read per request, so the
# app can be built at collection time and pointed at the imported cities below.
app = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _cities(imported_city, city_base, tmp_path_factory):
    imported_city("hamburg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUFENLOS_DATA_DIR", str(city_base))
        mp.setenv("DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('schema') / 'a.sqlite'}")
        mp.setenv("STUFENLOS_REPORT_RATE", "100000/minute")
        yield


@pytest.mark.slow
@schema.include(path_regex=PATHS).parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_schema(case: schemathesis.Case) -> None:
    # Starlette names only one of a path's methods in `Allow` on 405 (the framework's
    # behaviour, not ours). Generated ids and coordinates name reports and places that
    # do not exist, which the API rightly answers with a documented 400/404, so the
    # "schema-valid data must be accepted" check does not apply. Every other check runs.
    case.call_and_validate(excluded_checks=[allow_header_conformance, positive_data_acceptance])
