"""A city's GTFS feed, imported as a validated copy that survives a broken update."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from stufenlos._util import atomic_write_bytes
from stufenlos.ingest.gtfs import Feed, GtfsError, GtfsWarning, import_feed

if TYPE_CHECKING:
    import os

__all__ = ["imported_feed"]

log = logging.getLogger(__name__)


def imported_feed(src: str | os.PathLike[str] | Feed, folder: str | os.PathLike[str]) -> Path:
    """A validated copy of the feed ``src`` in ``folder``, refreshed when ``src`` changes.

    A new or changed feed is validated first (:func:`stufenlos.ingest.gtfs.import_feed`);
    if it fails, an earlier copy is kept and used (with a :class:`GtfsWarning`),
    and without one the :class:`GtfsError` is raised. ``src`` may be an opened
    :class:`~stufenlos.ingest.gtfs.Feed`, which then keeps the tables validation read.
    """
    source = src.path if isinstance(src, Feed) else Path(src)
    out = Path(folder)
    dest, stamp = out / "gtfs.zip", out / "source.json"
    try:
        st = source.stat()
    except FileNotFoundError:
        raise GtfsError(source, "no such GTFS zip file or folder") from None
    sig = {"path": str(source.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if dest.exists() and stamp.exists():
        try:
            if json.loads(stamp.read_text("utf-8")) == sig:
                return dest
        except json.JSONDecodeError:
            pass
    try:
        problems = import_feed(src, dest)
    except GtfsError as exc:
        if not dest.exists():
            raise
        msg = f"{exc}; keeping the feed imported earlier ({dest})"
        warnings.warn(msg, GtfsWarning, stacklevel=2)
        return dest
    for p in problems:
        log.warning("%s", p)
    atomic_write_bytes(stamp, json.dumps(sig).encode("utf-8"))
    return dest
