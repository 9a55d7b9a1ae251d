# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install system-deps import web lint pytest bench clean translations

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

# the message catalogues (de, en, ls = easy-read German) compiled to .mo files;
# stufenlos.i18n compiles a missing or stale one in memory, so this only saves time
translations: $(STAMP)
	$(BIN)/pybabel compile -d src/stufenlos/locale -D messages --statistics

# Chromium, PostgreSQL/PostGIS and npm modules for the full test suite
system-deps:
	scripts/install-system-deps.sh

import: install
	$(BIN)/stufenlos import --all
	$(BIN)/stufenlos analyze --all --profiles standard,wheelchair,walker --scheduler none --no-progress --rank-limit 10
	$(BIN)/stufenlos proceedings seed hamburg

# the web app's browser assets: MapLibre GL JS from npm, copied into the static folder
web: install
	@if [ ! -d node_modules/maplibre-gl ] || [ package.json -nt node_modules ]; then \
	  npm install --no-audit --no-fund --loglevel=error && touch node_modules; fi
	$(BIN)/python -m stufenlos.web.build

demo: import web
	$(BIN)/stufenlos summary --all
	$(BIN)/stufenlos serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests bench

pytest: install system-deps web
	$(BIN)/python -m pytest

test: lint pytest

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/import.py
	$(BIN)/python bench/transit.py
	$(BIN)/python bench/analysis.py --dask

clean:
	rm -rf $(VENV) var
