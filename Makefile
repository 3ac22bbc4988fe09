# Task runner: `make help` lists the targets.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= data

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/reportbot: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

install: $(BIN)/reportbot ## create .venv and install the project with its dev tools

run: install ## ingest the sample report, then start the bot (token set) or the terminal chat
	$(BIN)/reportbot --data-dir $(DATA) ingest samples/
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ] || grep -qs '^TELEGRAM_BOT_TOKEN=.\+' .env; then \
		$(BIN)/reportbot --data-dir $(DATA) bot; \
	else \
		$(BIN)/reportbot --data-dir $(DATA) chat; \
	fi

test: install ## run the whole test suite (unit, integration with the real embedder, end to end)
	$(BIN)/pytest --durations=10 -q

test-server: install ## the whole suite again against PostgreSQL (127.0.0.1:5432/test) and a Chroma server it starts
	BIN=$(BIN) scripts/test_server_mode.sh

test-fast: install ## unit tests only (fake embedder, no ../shared)
	$(BIN)/pytest --durations=10 -q -m "not integration"

lint: install ## ruff and mypy
	$(BIN)/ruff check knowledge bot tests scripts
	$(BIN)/mypy

ingest-all: install ## index every report in ../shared/reports (about 20 minutes on 2 cores)
	$(BIN)/reportbot --data-dir $(DATA) ingest ../shared/reports/

eval: install ## score the index in $(DATA) against ../shared/eval/dev.jsonl
	$(BIN)/reportbot --data-dir $(DATA) eval ../shared/eval/dev.jsonl

bench: install ## quality and speed benchmark: ours vs the LangChain tutorial pipeline (see docs/benchmarks.md)
	$(BIN)/python scripts/bench_quality.py --data-dir $(DATA)

clean: ## remove the venv and local data
	rm -rf $(VENV) $(DATA) .pytest_cache

.PHONY: help install run test test-server test-fast lint ingest-all eval bench clean
