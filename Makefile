# matchmaker: make run serves the demo, make test runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint bench postgres browser clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, the CPU build, so nothing later can pull CUDA packages.
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with its dev extras (once)

run: $(STAMP) ## Load the demo corpora into an empty home, build the index and serve on http://$(HOST):$(PORT)
	$(BIN)/matchmaker ingest --if-empty corpora/demo
	$(BIN)/matchmaker serve --host $(HOST) --port $(PORT)

postgres: ## Start the local PostgreSQL server if it is installed and down
	@scripts/ensure-postgres

browser: ## Install Debian's chromium for the browser tests if it is missing
	@scripts/ensure-chromium

test: $(STAMP) ## Run the whole test suite (unit, integration, PostgreSQL, browser)
	@scripts/ensure-postgres || true
	@scripts/ensure-chromium || true
	@scripts/ensure-pdf-tools || true
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: $(STAMP) ## Run the unit tests only
	$(BIN)/python -m pytest tests/unit -q

lint: $(STAMP) ## ruff, mypy --strict and the layer contracts (import-linter)
	$(BIN)/ruff check src tests bench corpora scripts
	$(BIN)/ruff format --check src tests bench corpora scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) ## Print the benchmark figures
	$(BIN)/python bench/bench_embeddings.py
	$(BIN)/python bench/bench_index.py
	$(BIN)/python bench/bench_scheduling.py

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
