"""The application database: engine from ``DATABASE_URL``, ORM base, migrations.

SQLite under the data folder by default; a ``postgresql+psycopg://`` URL
switches to PostgreSQL/PostGIS. The schema is managed by Alembic: each feature
keeps its own migration branch in ``stufenlos/migrations/versions`` (branch
labels such as ``plan`` and ``reports``) and :func:`upgrade` applies all heads.
Per-city data (network, barriers) lives in each city's own folder instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.pool import StaticPool

from stufenlos.config import data_dir
from stufenlos.settings import get_settings

__all__ = [
    "Base",
    "UTCDateTime",
    "database_url",
    "ensure_schema",
    "make_engine",
    "make_sessionmaker",
    "private_file",
    "upgrade",
    "utcnow",
]

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every application table."""


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and read back as aware UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def database_url(folder: str | os.PathLike[str] | None = None) -> str:
    """``$DATABASE_URL``, or a SQLite file ``stufenlos.sqlite`` in ``folder``.

    ``folder`` defaults to the data folder (:func:`stufenlos.config.data_dir`).
    """
    url = get_settings().database_url
    if url:
        return url
    where = Path(folder) if folder is not None else data_dir()
    where.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{where / 'stufenlos.sqlite'}"


def private_file(path: str | os.PathLike[str]) -> None:
    """Create the file ``path`` readable and writable by its owner only (``0600``).

    An existing file is left as it is. SQLite gives its ``-wal``, ``-shm`` and
    ``-journal`` files the permissions of the database file, so a database
    created through this function stays private with all its companions.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`database_url`).

    SQLite gets foreign keys, WAL and a busy timeout so concurrent writers
    queue instead of failing; a new SQLite file is created private (``0600``,
    :func:`private_file`): it holds reporters' contact details.
    """
    url = url or database_url()
    if url == "sqlite://":  # in memory: one connection shared, or each sees its own empty db
        return create_engine(url, connect_args={"check_same_thread": False},
                             poolclass=StaticPool)
    if url.startswith("sqlite"):
        file = make_url(url).database
        if file and file != ":memory:" and not file.startswith("file:"):
            private_file(file)
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


def dialect_insert(bind: Any, table: Any) -> Any:
    """The dialect's ``INSERT`` for ``table``, which knows ``ON CONFLICT``.

    Parameters
    ----------
    bind
        A connection, engine or session (its dialect decides).
    table
        A mapped class or a :class:`~sqlalchemy.Table`.

    Raises
    ------
    NotImplementedError
        For a database other than SQLite or PostgreSQL: the application database
        is one of those two (README, "Settings").
    """
    dialect = (bind.get_bind() if hasattr(bind, "get_bind") else bind).dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        msg = f"the application database must be SQLite or PostgreSQL, not {dialect}"
        raise NotImplementedError(msg)
    return insert(table)


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


_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def ensure_schema(url: str | None = None, attempts: int = 5) -> None:
    """:func:`upgrade` the database at ``url`` once per process.

    Several server processes starting at once race to create the same tables;
    migrations run in a transaction, so the loser's attempt rolls back and its
    retry finds the schema up to date.
    """
    from alembic.util.exc import CommandError

    url = url or database_url()
    with _migrate_lock:
        if url in _migrated:
            return
        for attempt in range(attempts):
            try:
                upgrade(url)
                break
            # a loser of the race can also fail inside a migration step (SQLite's batch
            # mode reflects a table another process has just rebuilt: KeyError), so any
            # error is retried; the retry finds the schema up to date or raises for real
            except (DBAPIError, CommandError, KeyError, ValueError) as exc:
                if attempt == attempts - 1:
                    raise
                logger.info("migrating %s raced with another process (%s); retrying",
                            url.split("@")[-1], type(exc).__name__)
                time.sleep(0.2 * (attempt + 1))
        _migrated.add(url)
