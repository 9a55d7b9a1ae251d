"""Cut the DB station records of one city out of the ``db-stations`` full dump.

The npm package ``db-stations`` ships ``full.ndjson``: one JSON object per line
for every station of DB Station&Service AG (data: CC BY 4.0). This script keeps
the lines, byte for byte, of the stations whose ``address.city`` starts with a
prefix or whose location lies inside a bounding box, in input order.

Usage::

    python data/tools/extract_db_stations.py full.ndjson.gz out.ndjson \\
        --city-prefix Hamburg --bbox 9.7301309,53.3950109,10.3252768,53.7394373

The bundled files were made with exactly the commands in the city READMEs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO

__all__ = ["extract", "main"]


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _keep(
    record: dict,
    city_prefix: str | None,
    bbox: tuple[float, float, float, float] | None,
) -> bool:
    city = (record.get("address") or {}).get("city") or ""
    if city_prefix and city.startswith(city_prefix):
        return True
    loc = record.get("location") or {}
    lon, lat = loc.get("longitude"), loc.get("latitude")
    if bbox and lon is not None and lat is not None:
        west, south, east, north = bbox
        return west <= lon <= east and south <= lat <= north
    return False


def extract(
    source: Path,
    target: Path,
    city_prefix: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> int:
    """Write the matching lines of ``source`` to ``target`` atomically.

    Returns the number of stations written.
    """
    kept: list[bytes] = []
    with _open(source) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                msg = f"{source}:{lineno}: not a JSON object ({exc})"
                raise SystemExit(msg) from None
            if _keep(record, city_prefix, bbox):
                kept.append(line if line.endswith(b"\n") else line + b"\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.writelines(kept)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the file is public data
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(kept)


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = [float(x) for x in text.split(",")]
    if len(parts) != 4:
        msg = "--bbox needs west,south,east,north"
        raise argparse.ArgumentTypeError(msg)
    return parts[0], parts[1], parts[2], parts[3]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="db-stations full.ndjson (optionally .gz)")
    parser.add_argument("target", type=Path, help="output .ndjson")
    parser.add_argument("--city-prefix", help="keep stations whose address.city starts with this")
    parser.add_argument("--bbox", type=_bbox, help="keep stations inside west,south,east,north")
    args = parser.parse_args(argv)
    if not args.city_prefix and not args.bbox:
        parser.error("give --city-prefix, --bbox or both")
    n = extract(args.source, args.target, args.city_prefix, args.bbox)
    sys.stderr.write(f"{args.target}: {n} stations\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
