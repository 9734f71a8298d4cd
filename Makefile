# Plenary: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs every suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PYTEST := $(BIN)/python -m pytest
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 3

.PHONY: install run serve-prod test test-sqlite test-postgres e2e system-deps lint check-courses clean bench bench-quick bench-surge bench-deps architecture translations compile-translations

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Plenary needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

## install: create .venv and install Plenary with its test tools, and compile the translations
install: $(VENV)/.installed compile-translations

PYBABEL := $(BIN)/pybabel
CATALOGUE := app/translations/messages.pot
# Locations are left out so that moving code does not change the catalogue; messages are sorted for stable diffs.
EXTRACT_OPTIONS := -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location --no-wrap --sort-output \
  --add-comments=Translators: --project=Plenary --copyright-holder="Plenary's authors" --msgid-bugs-address=""

## translations: extract every marked message into the catalogue, update each language's .po, compile them
translations: $(VENV)/.installed
	$(PYBABEL) extract $(EXTRACT_OPTIONS) -o $(CATALOGUE) .
	$(PYBABEL) update -i $(CATALOGUE) -d app/translations --no-wrap --ignore-obsolete
	$(MAKE) --no-print-directory compile-translations

## compile-translations: the .mo files Flask-Babel reads, from the committed .po files (not committed: built here)
compile-translations: $(VENV)/.installed
	@$(PYBABEL) -q compile -d app/translations

## run: install, migrate, sync the courses, load the demo and serve on http://127.0.0.1:5000
run: install
	$(FLASK) db upgrade
	$(FLASK) courses sync
	$(FLASK) demo load
	@# The outbox worker runs beside the server, so emails (written to the log without MAIL_SERVER) go out.
	@$(FLASK) outbox send --loop & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

## serve-prod: gunicorn with several workers (needs SECRET_KEY, DATABASE_URL and BASE_URL; see README)
serve-prod: install
	PLENARY_ENV=production $(FLASK) db upgrade
	PLENARY_ENV=production $(FLASK) courses sync
	PLENARY_ENV=production $(BIN)/gunicorn --workers $(WORKERS) --worker-class gthread --threads 4 \
	  --bind $(HOST):$(PORT) --access-logfile - --error-logfile - wsgi:app

## test: every suite: SQLite, then PostgreSQL, then the browser journeys
test: install system-deps architecture
	@start=$$(date +%s); failed=""; \
	$(MAKE) --no-print-directory test-sqlite || failed="$$failed sqlite"; t1=$$(date +%s); \
	$(MAKE) --no-print-directory test-postgres || failed="$$failed postgres"; t2=$$(date +%s); \
	$(MAKE) --no-print-directory e2e || failed="$$failed e2e"; t3=$$(date +%s); \
	echo "Timings: sqlite $$((t1-start))s, postgres $$((t2-t1))s, e2e $$((t3-t2))s"; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi

## test-sqlite: the suite on SQLite (browser journeys excluded)
test-sqlite: install
	$(PYTEST) -q -m "not e2e" -p no:cacheprovider

## test-postgres: the suite on a throwaway PostgreSQL server started and stopped around it
test-postgres: install system-deps
	$(BIN)/python -m tests.tools.pgserver run -- $(PYTEST) -q -m "not e2e" -p no:cacheprovider

## e2e: real-browser journeys in headless Chromium
e2e: install system-deps
	$(PYTEST) -q -m e2e tests/e2e -p no:cacheprovider

system-deps:
	@bash tests/tools/ensure_system_deps.sh

## bench: load-test the core pages on PostgreSQL then SQLite (~8 min); bench/results/latest.json, docs/PERFORMANCE.md
bench: install bench-deps
	$(BIN)/python -m bench.run

## bench-quick: the same with a small data set and 1-second runs (under a minute); bench/results/quick.json
bench-quick: install bench-deps
	$(BIN)/python -m bench.run --quick

## bench-surge: 2,000 signed-in participants open home and their notes and save at once (PostgreSQL, ~4 min); bench/results/surge.json
bench-surge: install bench-deps
	$(BIN)/python -m bench.surge

## bench-deps: wrk (the load generator) and the PostgreSQL server, from Debian's packages when missing
bench-deps:
	@missing=""; command -v wrk >/dev/null || missing="wrk"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	    echo "bench: missing $$missing; install it (Debian: sudo apt-get install -y $$missing)" >&2; exit 1; fi; \
	  echo "bench-deps: apt-get install $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi; \
	command -v wrk >/dev/null || { echo "bench: wrk is still missing after apt-get" >&2; exit 1; }

check-courses: install
	$(FLASK) courses check

lint: install architecture
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench

## architecture: the import contract (.importlinter): each domain imports only the domains below it
architecture: install
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache tests/e2e/artifacts
