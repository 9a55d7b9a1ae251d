"""schemathesis: generated requests against /openapi.json must never break the API.

Checks: no 5xx, responses match their declared schema, status codes and content
types are documented. The example count stays small so the suite stays fast.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from stufenlos.api.app import create_app

#: the routing, barrier and OGC API operations of the web app
PATHS = r"^/(api/(cities|profiles)|ogc)"

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
        yield


@pytest.mark.slow
@schema.include(path_regex=PATHS).parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()
