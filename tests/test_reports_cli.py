"""``stufenlos reports ...`` commands."""

from __future__ import annotations

import csv
import io
import json

import typer
from typer.testing import CliRunner

from stufenlos.cli.reports import register
from stufenlos.reports import ReportService, ReportStore, Submission


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test entry point."""

    register(app)
    return app


def test_moderator_export_expire_audit(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner()
    app = _app()
    r = runner.invoke(app, ["reports", "add-moderator", "Kim", "--database-url", url])
    assert r.exit_code == 0, r.output
    token = r.output.strip()
    svc = ReportService(ReportStore(url))
    assert svc.authenticate_token(token).name == "Kim"
    rep = svc.submit(Submission(service_code="high-kerb", lat=53.55, lon=9.99,
                                description="Bordstein 12 cm", email="me@example.org"),
                     client="x")
    r = runner.invoke(app, ["reports", "export", "--format", "csv", "--database-url", url])
    assert r.exit_code == 0 and len(r.output.splitlines()) == 1  # header only: not yet public
    svc.accept(rep.id, actor="Kim")
    r = runner.invoke(app, ["reports", "export", "--format", "csv", "--database-url", url])
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert rows[0]["service_request_id"] == str(rep.id)
    assert "me@example.org" not in r.output
    out = tmp_path / "reports.geojson"
    r = runner.invoke(app, ["reports", "export", "-o", str(out), "--database-url", url])
    assert r.exit_code == 0
    assert json.loads(out.read_text())["features"][0]["properties"]["service_code"] == "high-kerb"
    r = runner.invoke(app, ["reports", "export", "--format", "xls", "--database-url", url])
    assert r.exit_code == 2 and "geojson or csv" in r.output
    r = runner.invoke(app, ["reports", "expire", "--database-url", url])
    assert r.exit_code == 0 and "expired 0 reports" in r.output
    r = runner.invoke(app, ["reports", "audit", "--database-url", url])
    actions = [json.loads(line)["action"] for line in r.output.splitlines()]
    assert sorted(actions) == ["add_moderator", "status", "submit"]
    r = runner.invoke(app, ["reports", "add-moderator", "Kim", "--database-url", url])
    assert r.exit_code == 2 and "exists" in r.output
