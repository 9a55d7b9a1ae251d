"""The GTFS feeds the tests read: the bundled VRN cut and the real feeds with
accessibility fields from the shared data folder beside the checkout (not bundled:
their terms are not open)."""

from __future__ import annotations

import pytest

from tests._need import REPO, SHARED, need

VRN = REPO / "data" / "cities" / "heidelberg" / "vrn_gtfs_cut.zip"
ACCESSIBILITY = SHARED / "gtfs_accessibility"
CALTRAIN = ACCESSIBILITY / "caltrain_2017.gtfs.zip"
WMATA = ACCESSIBILITY / "wmata_rail_pathways.gtfs.zip"


def need_shared_feeds() -> None:
    """Skip (fail under CI) unless the Caltrain and WMATA feeds are in the shared folder."""
    missing = [p.name for p in (CALTRAIN, WMATA) if not p.exists()]
    need(not missing, f"{', '.join(missing)} not in {ACCESSIBILITY} (not bundled: their "
                      "terms are not open)")


#: mark a test that reads :data:`CALTRAIN` or :data:`WMATA` (fixture in ``conftest.py``)
needs_shared = pytest.mark.usefixtures("shared_feeds")
