"""The one rule for tests that need something outside the repository.

PostgreSQL/PostGIS, redis, Chromium, axe-core and the shared data folder beside the
checkout (``../shared/data``: feeds and dumps whose terms keep them out of the bundle) are
optional on a developer's machine, but not in CI: under ``CI=true`` a missing one fails the
test instead of skipping it. Every test that needs such a thing goes through :func:`need`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: the shared data folder beside the checkout (as CI lays it out)
SHARED = REPO.parent / "shared" / "data"


def under_ci() -> bool:
    """Whether the tests run in CI (``CI`` is ``true``, ``1`` or ``yes``)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(condition: object, why: str) -> None:
    """Go on if ``condition`` holds; else skip the test locally and fail it under CI.

    Parameters
    ----------
    condition
        Truthy when what the test needs is there.
    why
        What is missing and how to get it; the skip or failure message.
    """
    if condition:
        return
    if under_ci():
        pytest.fail(f"{why} (required under CI=true)", pytrace=False)
    pytest.skip(why)
