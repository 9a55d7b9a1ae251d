"""What an accessibility analysis works on: its setup and the measures per profile.

Shared by the walking analysis (:mod:`stufenlos.analysis.access`) and the walk +
transit one (:mod:`stufenlos.analysis.transit_access`), which both import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stufenlos.analysis.areas import AreaSet
from stufenlos.analysis.destinations import Category
from stufenlos.analysis.engine import Destinations, Measures, Snapper, snap_destinations
from stufenlos.city import City

__all__ = ["ProfileMeasures", "Setup"]


@dataclass(eq=False)
class Setup:
    """Everything an analysis needs that does not depend on the profile."""

    city: City
    areas: AreaSet
    origins: pd.DataFrame  # area, lon, lat, x, y, weight, groups..., node, snap_m
    destinations: pd.DataFrame  # category, ref, lon, lat
    categories: dict[str, Category]
    snapper: Snapper
    measures: Measures
    notes: list[str] = field(default_factory=list)

    @property
    def category_names(self) -> list[str]:
        """The destination categories, in order."""
        return list(self.categories)

    def snapped(self, destinations: pd.DataFrame | None = None) -> Destinations:
        """The destinations (the setup's, or ``destinations``) snapped to the network."""
        return snap_destinations(self.snapper, self.destinations if destinations is None
                                 else destinations, self.category_names)


@dataclass(eq=False)
class ProfileMeasures:
    """Per-origin arrays of one profile (rows follow ``Setup.origins``)."""

    profile: str
    nearest_s: NDArray[np.float64]  # (n, k)
    count: NDArray[np.int32]  # (n, k, b)
    gravity: NDArray[np.float64]  # (n, k)
    #: the categories of places one goes into (:attr:`Category.enter`), in order, and of
    #: those reached within each budget the ones this person can enter and the ones whose
    #: access is unknown, (n, e, b) each
    enter_categories: tuple[str, ...] = ()
    enter_count: NDArray[np.int32] | None = None
    unknown_count: NDArray[np.int32] | None = None
