# Everything runs inside .venv, made here from the project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check bench clean chromium bench-links eval-links bench-warc bench-hub bench-instructions

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: archive the two articles in data/, show their cluster, and diff them
# (compileall: bytecode as an installed package has it, where PYTHONDONTWRITEBYTECODE is set;
# a no-op unless a module changed. See newsdedup.evaldata.compile_bytecode.)
demo: $(STAMP)
	$(BIN)/python -m compileall -q src/newsdedup
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

## bench-links: fingerprint, LSH lookup and end-to-end ingest speed, memory, index size (COUNT articles)
COUNT ?= 10000
bench-links: $(STAMP)
	$(BIN)/python bench/bench_links.py --eval $(EVAL) --count $(COUNT)

## bench-warc: WARC ingest speed (1 and 2 workers), template leakage, feed re-run cost (COUNT pages, default 2000)
bench-warc: $(STAMP)
	$(BIN)/python bench/bench_warc.py --eval $(EVAL) --count $(if $(filter command line,$(origin COUNT)),$(COUNT),2000)

## bench-hub: the cost of storing a copy of a story many archived articles copy (COPIES, default 300; no eval data)
COPIES ?= 300
bench-hub: $(STAMP)
	$(BIN)/python bench/bench_hub.py --copies $(COPIES)

## bench-instructions: instructions an article, ingest and bare MinHash, counted by callgrind (COUNT VNE articles, default 1000; needs valgrind)
bench-instructions: $(STAMP)
	$(BIN)/python bench/bench_instructions.py --eval $(EVAL) --count $(if $(filter command line,$(origin COUNT)),$(COUNT),1000)

## eval-links: link quality on VMDS and all of VNTC, checked against eval/baselines (fails on a regression)
eval-links: $(STAMP)
	$(BIN)/python eval/eval_links_vmds.py --eval $(EVAL) --baseline eval/baselines/links_vmds.json --check
	$(BIN)/python eval/eval_links_vntc.py --eval $(EVAL) --baseline eval/baselines/links_vntc.json --check

clean:
	rm -rf $(VENV) archive/*.db archive/*.db-wal archive/*.db-shm
