"""The GTFS feeds the tests read: the bundled VRN cut and, when present, the real
feeds with accessibility fields from the shared data folder (not bundled: their
terms are not open)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VRN = ROOT / "data" / "cities" / "heidelberg" / "vrn_gtfs_cut.zip"
# The shared data folder beside the checkout (as CI lays it out), else the workplace's.
SHARED = next((p for p in (ROOT.parent / "shared" / "data" / "gtfs_accessibility",
                           Path("/work/shared/data/gtfs_accessibility")) if p.exists()),
              ROOT.parent / "shared" / "data" / "gtfs_accessibility")
CALTRAIN = SHARED / "caltrain_2017.gtfs.zip"
WMATA = SHARED / "wmata_rail_pathways.gtfs.zip"
needs_shared = pytest.mark.skipif(
    not CALTRAIN.exists(),
    reason="Caltrain/WMATA feeds are not bundled (their terms are not open); "
    "they are read from ../shared/data/gtfs_accessibility when present",
)
