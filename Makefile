# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install import lint pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

import: install
	$(BIN)/stufenlos import --all

demo: import
	$(BIN)/stufenlos summary --all

lint: install
	$(BIN)/ruff check src tests bench

pytest: install
	$(BIN)/python -m pytest -m "not postgis and not browser"

test: lint pytest

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) var
