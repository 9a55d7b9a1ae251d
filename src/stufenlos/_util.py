"""Private helpers: atomic file writes, CSV cells that cannot start a formula, XML text."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["XML_ILLEGAL", "atomic_write_bytes", "csv_frame", "csv_safe", "csv_table",
           "csv_unsafe", "xml_text"]

#: characters XML 1.0 does not allow in a document (C0 controls except tab, line feed
#: and carriage return; lone surrogates; U+FFFE and U+FFFF)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters :data:`XML_ILLEGAL` names."""
    return XML_ILLEGAL.sub("", text)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file and a rename.

    A reader sees either the old file or the complete new one, never a part.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- CSV injection (OWASP "CSV Injection") ---------------------------------------------------

#: a spreadsheet reads a cell starting with one of these as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _needs_quote(text: str) -> bool:
    bare = text.lstrip("'")
    return bare.startswith(FORMULA_START) and _NUMBER.fullmatch(bare) is None


def csv_safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets
    a leading ``'`` (as OWASP recommends), so ``=HYPERLINK(…)`` arrives as the
    text ``'=HYPERLINK(…)``. Numbers stay numbers: a number value, or text that
    is a plain decimal number such as ``-3.5``, is data and is left alone.
    Text that already starts with quotes before such a character gets one more,
    so :func:`csv_unsafe` restores every value exactly.

    Parameters
    ----------
    value
        The cell, of any type; only ``str`` values can change.

    Returns
    -------
    Any
        ``value``, or ``"'" + value`` when it could start a formula.
    """
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def csv_unsafe(text: str) -> str:
    """The value :func:`csv_safe` turned into ``text`` (for reading our own CSV back)."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def csv_table(header: Sequence[str], rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> str:
    """CSV text with a header line; every cell passes through :func:`csv_safe`.

    Parameters
    ----------
    header
        Column names.
    rows
        Each row a sequence in column order, or a mapping by column name
        (missing columns are empty).

    Returns
    -------
    str
        The CSV text, lines ending in ``\\n``.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        cells = [row.get(k) for k in header] if isinstance(row, Mapping) else row
        writer.writerow([csv_safe(c) for c in cells])
    return buf.getvalue()


def csv_frame(frame: pd.DataFrame) -> str:
    """A data frame as CSV text (no index); text cells pass through :func:`csv_safe`.

    Numeric columns are written as pandas writes them, so they still parse as
    numbers.
    """
    from pandas.api.types import is_object_dtype, is_string_dtype

    out = frame.copy()
    for name in out.columns:
        if is_object_dtype(out[name]) or is_string_dtype(out[name]):
            out[name] = out[name].map(csv_safe)
    out.columns = [csv_safe(str(c)) for c in out.columns]
    return str(out.to_csv(index=False))
