"""The one skip rule: a test that needs something missing skips locally, fails under CI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests._need import REPO

NEEDY = """
from tests._need import need

def test_with_the_thing():
    need(True, "never shown")

def test_without_the_thing():
    need(False, "the thing is missing")
"""


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 passed, 1 skipped"),
                                              ("false", "1 passed, 1 skipped"),
                                              ("true", "1 failed, 1 passed")])
def test_need_skips_locally_and_fails_under_ci(tmp_path, ci: str, outcome: str) -> None:
    (tmp_path / "test_needy.py").write_text(NEEDY)
    env = {**os.environ, "CI": ci,
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rsf", "-p", "no:cacheprovider",
                          "test_needy.py"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert outcome in run.stdout, run.stdout + run.stderr
    assert "the thing is missing" in run.stdout
    assert (run.returncode == 1) == (ci == "true")
