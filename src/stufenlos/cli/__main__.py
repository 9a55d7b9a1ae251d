"""``python -m stufenlos.cli``: the command line."""

from stufenlos.cli import app

app()
