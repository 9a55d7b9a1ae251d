"""Export the plan as JSON or as CSV tables in a ZIP, and import either back.

Both forms hold the same rows: one list (or CSV file) per table, foreign keys
as ids, multilingual texts and lists as JSON. Importing replaces the plan data
in one transaction, so a bad file changes nothing; errors name the file, row
and field. Editor accounts and the audit log are never exported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from stufenlos._util import csv_table, csv_unsafe
from stufenlos.plan.models import (
    LINKS,
    ActionPlan,
    Assessment,
    Body,
    CoCreationFigure,
    Commitment,
    DialogueEvent,
    Meeting,
    Milestone,
    Stakeholder,
    StatusUpdate,
    check_links,
    check_web_url,
)
from stufenlos.plan.service import PlanError, record, to_dict

__all__ = [
    "EXPORT_FORMAT",
    "TABLES",
    "PlanImportError",
    "export_csv_zip",
    "export_data",
    "import_csv_zip",
    "import_data",
]

EXPORT_FORMAT: Final = "stufenlos-plan"
EXPORT_VERSION: Final = 1
#: exported models, parents before children
TABLES: Final = (
    ActionPlan,
    Commitment,
    Milestone,
    StatusUpdate,
    Body,
    Meeting,
    Stakeholder,
    CoCreationFigure,
    Assessment,
    DialogueEvent,
)


class PlanImportError(PlanError, ValueError):
    """An import file is malformed; the message names file, row and field."""


def _name(model: Any) -> str:
    return model.__tablename__.removeprefix("plan_")


def export_data(session: Session) -> dict[str, Any]:
    """Every exported table as JSON-ready rows, ordered by id."""
    tables = {
        _name(model): [to_dict(row) for row in session.scalars(select(model).order_by(model.id))]
        for model in TABLES
    }
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "tables": tables}


def export_csv_zip(session: Session) -> bytes:
    """A ZIP with one CSV file per table (JSON-valued cells as JSON text).

    No cell starts a formula (:func:`stufenlos._util.csv_safe`); the import undoes that.
    """
    data = export_data(session)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for model in TABLES:
            table: Table = model.__table__
            text_ = csv_table([c.key for c in table.columns],
                              ([_csv_cell(row[c.key], c.type) for c in table.columns]
                               for row in data["tables"][_name(model)]))
            # a fixed timestamp makes the archive depend on the data only: the same
            # plan always exports to the same bytes (reproducible downloads)
            info = zipfile.ZipInfo(f"{_name(model)}.csv", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text_)
    return buf.getvalue()


def _csv_cell(value: Any, type_: Any) -> str:
    if value is None:
        return ""
    if isinstance(type_, JSON):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(type_, Boolean):
        return "true" if value else "false"
    return str(value)


def _convert(value: Any, column: Any, *, from_csv: bool) -> Any:
    """One cell to the column's Python type; raises ValueError with a reason."""
    type_ = column.type
    if from_csv and value == "":
        value = None
    elif from_csv and isinstance(value, str):
        value = csv_unsafe(value)
    if value is None:
        if not column.nullable and not column.primary_key:
            msg = "is required"
            raise ValueError(msg)
        return None
    if isinstance(type_, JSON):
        return json.loads(value) if from_csv else value
    if isinstance(type_, Boolean):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1"):
            return True
        if str(value).lower() in ("false", "0"):
            return False
        msg = f"must be true or false, got {value!r}"
        raise ValueError(msg)
    if isinstance(type_, Integer):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            msg = f"must be a whole number, got {value!r}"
            raise ValueError(msg)
        return int(value)
    if isinstance(type_, DateTime):
        parsed = dt.datetime.fromisoformat(str(value))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if isinstance(type_, Date):
        return dt.date.fromisoformat(str(value))
    value = str(value)
    length = getattr(type_, "length", None)
    if length is not None and len(value) > length:
        msg = f"is {len(value)} characters long; at most {length} fit"
        raise ValueError(msg)
    return value


def _check_url(value: Any, column: Any) -> None:
    """Refuse a stored link that is not a web address (it would be shown as a link)."""
    kind = column.info.get("url")
    if value is None or kind is None:
        return
    if kind == LINKS:
        check_links(value)
    else:
        check_web_url(value)


def import_data(
    session: Session,
    data: dict[str, Any],
    *,
    actor: str,
    source: str = "import",
    from_csv: bool = False,
) -> dict[str, int]:
    """Replace the plan data with ``data`` (as :func:`export_data` writes it).

    Returns the number of rows per table. Raises :class:`PlanImportError`
    naming ``source``, table, row and field on the first bad value; the caller's
    transaction then rolls back and nothing changes.
    """
    if not from_csv and (
        data.get("format") != EXPORT_FORMAT or data.get("version") != EXPORT_VERSION
    ):
        msg = f"{source}: not a {EXPORT_FORMAT} export version {EXPORT_VERSION}"
        raise PlanImportError(msg)
    tables = data.get("tables")
    if not isinstance(tables, dict):
        msg = f"{source}: missing 'tables'"
        raise PlanImportError(msg)
    unknown = sorted(set(tables) - {_name(m) for m in TABLES})
    if unknown:
        msg = f"{source}: unknown tables {unknown}"
        raise PlanImportError(msg)
    rows_by_table: dict[str, list[dict[str, Any]]] = {}
    for model in TABLES:
        table: Table = model.__table__
        name = _name(model)
        where = f"{name}.csv" if from_csv else f"tables.{name}"
        rows = tables.get(name, [])
        if not isinstance(rows, list):
            msg = f"{source}: {where} must be a list of rows"
            raise PlanImportError(msg)
        columns = {c.key: c for c in table.columns}
        converted = []
        for i, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                msg = f"{source}: {where}, row {i}: not an object"
                raise PlanImportError(msg)
            extra = sorted(set(row) - set(columns))
            if extra:
                msg = f"{source}: {where}, row {i}: unknown fields {extra}"
                raise PlanImportError(msg)
            out = {}
            for key, column in columns.items():
                try:
                    out[key] = _convert(row.get(key), column, from_csv=from_csv)
                    _check_url(out[key], column)
                except (ValueError, TypeError) as exc:
                    msg = f"{source}: {where}, row {i}, field {key!r}: {exc}"
                    raise PlanImportError(msg) from None
            converted.append(out)
        rows_by_table[name] = converted
    for model in reversed(TABLES):
        session.execute(delete(model))
    for model in TABLES:
        rows = rows_by_table[_name(model)]
        if rows:
            session.execute(insert(model), rows)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        for model in TABLES:  # explicit ids leave the sequences behind
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{model.__tablename__}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {model.__tablename__}), 0) + 1, false)"
                )
            )
    counts = {name: len(rows) for name, rows in rows_by_table.items()}
    plan = session.scalars(select(ActionPlan).order_by(ActionPlan.id)).first()
    if plan is not None:
        record(
            session,
            actor=actor,
            action="import",
            obj=plan,
            summary=f"plan data imported from {source} ({sum(counts.values())} rows)",
        )
    return counts


def import_csv_zip(
    session: Session, blob: bytes, *, actor: str, source: str = "import.zip"
) -> dict[str, int]:
    """Import a ZIP written by :func:`export_csv_zip`."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(blob))
    except zipfile.BadZipFile:
        msg = f"{source}: not a ZIP file"
        raise PlanImportError(msg) from None
    tables: dict[str, list[dict[str, str]]] = {}
    with zf:
        for info in zf.infolist():
            if not info.filename.endswith(".csv"):
                continue
            name = info.filename.removesuffix(".csv")
            try:
                textdata = zf.read(info).decode("utf-8")
            except UnicodeDecodeError:
                msg = f"{source}: {info.filename} is not UTF-8"
                raise PlanImportError(msg) from None
            tables[name] = list(csv.DictReader(io.StringIO(textdata)))
    for name, rows in tables.items():
        for i, row in enumerate(rows, start=1):
            if None in row:
                msg = f"{source}: {name}.csv, row {i}: more cells than header fields"
                raise PlanImportError(msg)
            for key, value in row.items():
                if value is None:
                    msg = f"{source}: {name}.csv, row {i}, field {key!r}: missing cell"
                    raise PlanImportError(msg)
    return import_data(session, {"tables": tables}, actor=actor, source=source, from_csv=True)


def row_count(session: Session) -> int:
    """Total rows in the exported tables (0 for an empty plan)."""
    return sum(int(session.scalar(select(func.count()).select_from(m)) or 0) for m in TABLES)
