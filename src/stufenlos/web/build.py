"""Copy the npm-installed MapLibre GL JS and Swagger UI builds into the app's static folder.

Run after ``npm install`` in the repository root (``make web`` does both)::

    python -m stufenlos.web.build

The app then serves ``/static/vendor/maplibre-gl.js`` and the API docs' Swagger UI
itself, so no page loads anything from the internet. Without this step the pages
work without a map and ``/docs`` loads Swagger UI from its CDN.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from stufenlos.api.templating import STATIC_DIR

__all__ = ["FILES", "build"]

logger = logging.getLogger(__name__)

#: (npm package, file in it, name in ``static/vendor``)
FILES = (
    ("maplibre-gl", "dist/maplibre-gl.js", "maplibre-gl.js"),
    ("maplibre-gl", "dist/maplibre-gl.css", "maplibre-gl.css"),
    ("maplibre-gl", "LICENSE.txt", "maplibre-gl.LICENSE.txt"),
    ("swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui-bundle.js"),
    ("swagger-ui-dist", "swagger-ui.css", "swagger-ui.css"),
    ("swagger-ui-dist", "LICENSE", "swagger-ui.LICENSE.txt"),
)


def build(node_modules: Path | None = None, target: Path | None = None) -> Path:
    """Copy the packages' files into ``target`` (``static/vendor``) and return it."""
    base = node_modules or Path.cwd() / "node_modules"
    dest = target or STATIC_DIR / "vendor"
    missing = [f"{pkg}/{f}" for pkg, f, _ in FILES if not (base / pkg / f).is_file()]
    if missing:
        msg = (f"{base}: npm packages missing ({', '.join(missing)}); "
               "run `npm install` in the repository root")
        raise FileNotFoundError(msg)
    dest.mkdir(parents=True, exist_ok=True)
    for pkg, f, name in FILES:
        tmp = dest / (name + ".tmp")
        shutil.copyfile(base / pkg / f, tmp)
        tmp.replace(dest / name)
    logger.info("copied MapLibre GL JS and Swagger UI to %s", dest)
    return dest


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        build()
    except FileNotFoundError as exc:
        logging.getLogger(__name__).error("%s", exc)
        sys.exit(2)
