"""The application database: engine from ``DATABASE_URL``, ORM base, migrations.

SQLite under the data folder by default; a ``postgresql+psycopg://`` URL
switches to PostgreSQL/PostGIS. The schema is managed by Alembic: each feature
keeps its own migration branch in ``stufenlos/migrations/versions`` (branch
labels such as ``plan`` and ``reports``) and :func:`upgrade` applies all heads.
Per-city data (network, barriers) lives in each city's own folder instead.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from stufenlos.config import data_dir
from stufenlos.settings import get_settings

__all__ = ["Base", "database_url", "make_engine", "make_sessionmaker", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every application table."""


def database_url() -> str:
    """``$DATABASE_URL``, or a SQLite file ``stufenlos.sqlite`` in the data folder."""
    url = get_settings().database_url
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'stufenlos.sqlite'}"


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`database_url`).

    SQLite gets foreign keys, WAL and a busy timeout so concurrent writers
    queue instead of failing.
    """
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    """A session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Bring the database at ``url`` to ``revision`` (default: every branch head)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    command.upgrade(cfg, revision)
