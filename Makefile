# Everything runs inside .venv, made here from the project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check bench clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: archive the two articles in data/, show their cluster, and diff them
demo: $(STAMP)
	$(BIN)/newsdedup ingest data/
	$(BIN)/newsdedup list
	$(BIN)/newsdedup clusters
	$(BIN)/newsdedup diff 1 2

## test: the test suite (no evaluation data needed)
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench eval
	$(BIN)/ruff format --check src tests bench eval

typecheck: $(STAMP)
	$(BIN)/mypy

## check: tests, lint and types, as CI runs them
check: test lint typecheck

## chromium: Debian's Chromium for the HTML report's browser test (tests/test_report_browser.py skips without it)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium; }

## bench: ingest throughput on VNTC (EVAL=path/to/shared/eval)
EVAL ?= ../shared/eval
bench: $(STAMP)
	$(BIN)/python bench/bench_ingest.py --eval $(EVAL)

clean:
	rm -rf $(VENV) archive/*.db archive/*.db-wal archive/*.db-shm
