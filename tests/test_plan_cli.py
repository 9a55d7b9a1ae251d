"""``stufenlos catalog`` and ``stufenlos serve`` from the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import DCAT, RDF
from typer.testing import CliRunner

from stufenlos.cli import app


def test_catalog_command_writes_parseable_rdf(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "catalog.jsonld"
    r = runner.invoke(
        app, ["catalog", "--format", "json-ld", "--base-url", "https://x.test/", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["catalog", "--base-url", "https://x.test/"])
    g = Graph().parse(data=r.stdout, format="turtle")
    assert len(list(g.subjects(RDF.type, DCAT.Catalog))) == 1
    assert out.stat().st_size > 1000
    bad = runner.invoke(app, ["catalog", "--base-url", "x.test"])
    assert bad.exit_code == 2
    assert "base URL" in bad.output


@pytest.mark.slow
def test_serve_answers_on_the_given_port(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}",
        "STUFENLOS_DATA_DIR": str(tmp_path / "data"),
    }
    cmd = [sys.executable, "-m", "stufenlos.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/plan", timeout=2) as r:
                    assert r.status == 200
                    assert "DEHHB0002" in r.read().decode()
                    break
            except OSError:
                assert proc.poll() is None, "stufenlos serve exited"
                assert time.monotonic() < deadline, "stufenlos serve did not answer"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
