# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install system-deps import lint pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Chromium, PostgreSQL/PostGIS and npm modules for the full test suite
system-deps:
	scripts/install-system-deps.sh

import: install
	$(BIN)/stufenlos import --all
	$(BIN)/stufenlos analyze --all --profiles standard,wheelchair,walker --scheduler none --no-progress

demo: import
	$(BIN)/stufenlos summary --all

lint: install
	$(BIN)/ruff check src tests bench

pytest: install system-deps
	$(BIN)/python -m pytest

test: lint pytest

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) var
