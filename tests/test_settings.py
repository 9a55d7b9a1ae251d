"""The typed settings: one object for every environment variable, documented in the README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stufenlos.api.app import create_app
from stufenlos.config import cities_dirs, data_dir
from stufenlos.db import database_url
from stufenlos.settings import Settings, SettingsError, env_name, get_settings

README = Path(__file__).resolve().parents[1] / "README.md"
SRC = Path(__file__).resolve().parents[1] / "src" / "stufenlos"


def _default(field: str) -> str:
    info = Settings.model_fields[field]
    value = info.get_default(call_default_factory=True)
    if value is None or value == []:
        return "unset"
    if isinstance(value, bool):
        return "`1`" if value else "`0`"
    return f"`{value}`"


def settings_table() -> str:
    """The README's settings table, rendered from the model."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for field, info in Settings.model_fields.items():
        rows.append(f"| `{env_name(field)}` | {_default(field)} | {info.description} |")
    return "\n".join(rows)


def test_readme_lists_exactly_the_settings() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE)
    assert listed == [env_name(f) for f in Settings.model_fields]
    assert settings_table() in section  # defaults and meanings too


def test_the_package_reads_the_environment_only_through_settings() -> None:
    readers = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "settings.py":
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|os\.getenv|getenv\(", source):
            readers.append(path.relative_to(SRC).as_posix())
    assert readers == []


def test_settings_follow_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "a"))
    assert data_dir() == tmp_path / "a"
    assert database_url() == f"sqlite:///{tmp_path / 'a' / 'stufenlos.sqlite'}"
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path / "b"))
    monkeypatch.setenv("STUFENLOS_CITIES_DIR", f"{tmp_path / 'x'}:{tmp_path / 'y'}")
    assert data_dir() == tmp_path / "b"
    assert cities_dirs()[:3] == [tmp_path / "x", tmp_path / "y", tmp_path / "b" / "cities"]
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example/stufenlos")
    assert database_url() == "postgresql+psycopg://someone@db.example/stufenlos"
    monkeypatch.setenv("STUFENLOS_CORS_ORIGINS", " https://a.example , https://b.example,")
    monkeypatch.setenv("STUFENLOS_PLAN_SEED", "0")
    s = get_settings()
    assert s.cors_origins == ["https://a.example", "https://b.example"]
    assert s.plan_seed is False
    assert get_settings() is s  # unchanged environment: the same object


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("STUFENLOS_MAX_JSON_BYTES", "abc", "valid integer"),
    ("STUFENLOS_MAX_BODY_BYTES", "0", "greater than 0"),
    ("STUFENLOS_AUTO_HIDE_FLAGS", "three", "valid integer"),
    ("STUFENLOS_REPORT_RATE", "often", "not a rate"),
    ("STUFENLOS_PUBLIC_RATE", "5 per fortnight", "not a rate"),
    ("STUFENLOS_PLAN_SEED", "perhaps", "valid boolean"),
    ("STUFENLOS_RATE_LIMIT_STORAGE", "memcached://cache:11211", "is not one of"),
])
def test_bad_values_name_the_variable(monkeypatch, name, value, problem) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=re.escape(name)) as info:
        get_settings()
    assert problem in str(info.value) and repr(value) in str(info.value)
    with pytest.raises(SettingsError, match=re.escape(name)):
        create_app()


def test_secrets_never_appear_in_errors_or_reprs(monkeypatch) -> None:
    monkeypatch.setenv("STUFENLOS_CLIENT_SALT", "very-secret-salt")
    monkeypatch.setenv("STUFENLOS_EDITOR_SECRET", "very-secret-editor")
    s = get_settings()
    assert s.client_salt is not None
    assert s.client_salt.get_secret_value() == "very-secret-salt"
    assert "very-secret" not in repr(s) and "very-secret" not in str(s.model_dump())


def test_bad_value_stops_the_cli_with_exit_2(tmp_path) -> None:
    env = {"PATH": os.environ.get("PATH", os.defpath), "PYTHONPATH": ":".join(sys.path),
           "STUFENLOS_DATA_DIR": str(tmp_path), "STUFENLOS_MAX_JSON_BYTES": "abc"}
    run = subprocess.run([sys.executable, "-m", "stufenlos.cli", "city", "list"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "STUFENLOS_MAX_JSON_BYTES='abc'" in run.stderr
    assert "Traceback" not in run.stderr


def test_api_honours_settings_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("STUFENLOS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    monkeypatch.setenv("STUFENLOS_MAX_JSON_BYTES", "100")
    monkeypatch.setenv("STUFENLOS_CORS_ORIGINS", "https://a.example")
    with TestClient(create_app()) as client:
        big = client.post("/api/cities/hamburg/route", content=b"{" + b" " * 200 + b"}",
                          headers={"content-type": "application/json"})
        assert big.status_code == 413
        assert "100 bytes" in big.json()["detail"]
        r = client.get("/health", headers={"Origin": "https://a.example"})
        assert r.headers["access-control-allow-origin"] == "https://a.example"
        r = client.get("/health", headers={"Origin": "https://b.example"})
        assert "access-control-allow-origin" not in r.headers
