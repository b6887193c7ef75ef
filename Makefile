# Everything runs inside .venv, made here from the project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: archive the bundled articles in data/ and list them
demo: $(STAMP)
	$(BIN)/newsdedup ingest data/
	$(BIN)/newsdedup list

## test: the test suite (no evaluation data needed)
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## check: tests, lint and types, as CI runs them
check: test lint typecheck

## bench: ingest throughput on VNTC (EVAL=path/to/shared/eval)
EVAL ?= ../shared/eval
bench: $(STAMP)
	$(BIN)/python bench/bench_ingest.py --eval $(EVAL)

clean:
	rm -rf $(VENV) archive/*.db archive/*.db-wal archive/*.db-shm
