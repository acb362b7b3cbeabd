# BuildRunner: `make run` serves the app, `make test` runs the whole suite. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export UV_LINK_MODE ?= copy

.PHONY: setup system-deps run test check lint typecheck imports unit bench schema i18n clean

setup:  ## install uv if missing, then the project and its dev tools into .venv
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --all-extras --frozen

system-deps:  ## Debian packages: chromium (browser tests) and wrk (server benchmark); skipped when present
	@if [ ! -x /usr/bin/chromium ] || ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium wrk; \
	  else echo "chromium or wrk is missing: run 'sudo apt-get install chromium wrk'"; exit 1; fi; fi

run: setup  ## serve the app on http://127.0.0.1:8000 (embedded SQLite, demo data)
	$(UV) run br-server run --demo

test: setup system-deps check unit  ## everything CI runs

check: lint typecheck imports

lint:
	$(UV) run ruff check .

typecheck:
	$(UV) run mypy

imports:
	$(UV) run lint-imports

unit:
	$(UV) run pytest -q

bench: setup  ## reproducible benchmarks against same-run baselines (see bench/README.md)
	$(UV) run python bench/bench_cli.py
	$(UV) run python bench/bench_server.py
	$(UV) run python bench/bench_audit.py
	$(UV) run python bench/bench_merge.py
	$(UV) run python bench/bench_live.py

schema:  ## regenerate the shipped JSON Schema after a model change
	$(UV) run python -m buildrunner.spec.schema

i18n:  ## extract every message into locale/messages.pot and merge it into each catalog (see docs/i18n.md)
	$(UV) run pybabel extract -F locale/babel.cfg -o locale/messages.pot --sort-by-file --project=BuildRunner --copyright-holder="BuildRunner contributors" .
	$(UV) run pybabel update -i locale/messages.pot -d locale --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache .hypothesis
