"""Copy the npm-installed MapLibre GL JS build into the app's static folder.

Run after ``npm install`` in the repository root (``make web`` does both)::

    python -m stufenlos.web.build

The app then serves ``/static/vendor/maplibre-gl.js`` itself, so no page loads
anything from the internet. Without this step the pages work without a map.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from stufenlos.api.templating import STATIC_DIR

__all__ = ["FILES", "build"]

logger = logging.getLogger(__name__)

#: files of the ``maplibre-gl`` npm package copied to ``static/vendor``
FILES = ("dist/maplibre-gl.js", "dist/maplibre-gl.css", "LICENSE.txt")


def build(node_modules: Path | None = None, target: Path | None = None) -> Path:
    """Copy MapLibre's files into ``target`` (``static/vendor``) and return it."""
    src = (node_modules or Path.cwd() / "node_modules") / "maplibre-gl"
    dest = target or STATIC_DIR / "vendor"
    missing = [f for f in FILES if not (src / f).is_file()]
    if missing:
        msg = (f"{src}: maplibre-gl is not installed (missing {', '.join(missing)}); "
               "run `npm install` in the repository root")
        raise FileNotFoundError(msg)
    dest.mkdir(parents=True, exist_ok=True)
    for f in FILES:
        tmp = dest / (Path(f).name + ".tmp")
        shutil.copyfile(src / f, tmp)
        tmp.replace(dest / Path(f).name.replace("LICENSE.txt", "maplibre-gl.LICENSE.txt"))
    logger.info("copied MapLibre GL JS to %s", dest)
    return dest


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        build()
    except FileNotFoundError as exc:
        logging.getLogger(__name__).error("%s", exc)
        sys.exit(2)
