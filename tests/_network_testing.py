"""Assertion helpers for stufenlos objects, for our tests and for users' tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stufenlos.network import Network

__all__ = ["assert_network_equal"]


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.reset_index(drop=True)


def assert_network_equal(left: Network, right: Network, *, check_geometry: bool = True) -> None:
    """Raise ``AssertionError`` unless both networks have the same nodes and edges.

    Categorical columns compare by value (their category lists may differ in
    order); floats compare exactly, with NaN equal to NaN.
    """
    for name in ("nodes", "edges"):
        a = _comparable(getattr(left, name))
        b = _comparable(getattr(right, name))
        if not check_geometry and "geometry" in a:
            a = a.drop(columns="geometry")
            b = b.drop(columns="geometry")
        assert list(a.columns) == list(b.columns), f"{name}: columns differ"
        assert len(a) == len(b), f"{name}: {len(a)} rows != {len(b)} rows"
        for col in a.columns:
            x, y = a[col], b[col]
            if x.dtype.kind == "f" and y.dtype.kind == "f":
                same = np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True)
            else:
                same = x.equals(y) or bool(((x == y) | (x.isna() & y.isna())).all())
            assert same, f"{name}.{col} differs"
