"""HTTP API and web pages (FastAPI). Thin: domain logic lives in the domain modules."""

from stufenlos.api import paths as _paths  # noqa: F401  (registers the ``{name:id}`` convertor)
