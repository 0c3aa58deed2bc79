# Strata: `make run` brings the whole system up on the embedded default (SQLite);
# `make test` runs the suite. Both need only python3 and make.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= var/data
ENV_FILE := var/strata.env

GATEWAY_PORT ?= 8000
GOALS_PORT ?= 8001
REVIEWS_PORT ?= 8002
FEEDBACK_PORT ?= 8003
ANALYTICS_PORT ?= 8004

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export STRATA_DATA_DIR ?= $(DATA_DIR)
# Only the ports: every internal URL (GATEWAY_GOALS_URL, <APP>_GATEWAY_URL,
# ANALYTICS_REVIEWS_URL, ...) is derived from them in strata_kit/topology.py.
export GATEWAY_PORT GOALS_PORT REVIEWS_PORT FEEDBACK_PORT ANALYTICS_PORT

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
MEMBERS := $(wildcard shared/*/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml)

.PHONY: help install install-run client-ts run migrate demo test test-serial test-fast lint format bench clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml $(MEMBERS)
	$(UV) sync --frozen --all-packages
	@touch $@ $(VENV)/.synced-run

# What the services need to run, and honcho: no test, lint, bench or deploy tool. Inexact, so
# that it leaves a full development install as it is.
$(VENV)/.synced-run: $(UV) uv.lock pyproject.toml $(MEMBERS)
	$(UV) sync --frozen --all-packages --no-default-groups --group run --inexact
	@touch $@

install: $(VENV)/.synced  ## Create .venv with every package (uv, from uv.lock)

install-run: $(VENV)/.synced-run  ## Create .venv with only what `make run` needs

$(ENV_FILE):
	@mkdir -p $(dir $@)
	@$(PYTHON) -c "import secrets; print('STRATA_INTERNAL_TOKEN_SECRET=' + secrets.token_urlsafe(48))" > $@
	@chmod 600 $@
	@echo "created $@ (local secrets; never commit it)"

migrate: install-run $(ENV_FILE)  ## Apply every database's migrations
	@set -a && . ./$(ENV_FILE) && set +a && $(BIN)/strata migrate

demo: migrate  ## Create the demo tenant once and load the demo data
	@set -a && . ./$(ENV_FILE) && set +a && $(BIN)/strata demo

run: demo  ## Start gateway and services (Ctrl-C stops all); data stays in var/
	exec $(BIN)/honcho start -f Procfile -e $(ENV_FILE)

test: install  ## Run the whole suite (SQLite always, PostgreSQL when reachable; required when CI=true)
	@# --dist loadgroup: tests sharing a real-process stack or a per-module fixture run on one
	@# worker, the rest one by one; the groups that start processes go first (conftest.py).
	$(BIN)/pytest -n auto --dist loadgroup --no-loadscope-reorder --durations=20 -m "not disruptive"
	@# Tests that restart PostgreSQL run alone, after the rest (they run when CI=true or
	@# STRATA_TEST_DISRUPTIVE=1, and skip otherwise; see tests/fault/conftest.py).
	$(BIN)/pytest tests/fault -m disruptive --durations=20

test-serial: install  ## The whole suite in one process (easier to debug)
	$(BIN)/pytest

test-fast: install  ## Quick feedback: SQLite half only, in parallel
	$(BIN)/pytest -n auto --dist loadgroup --no-loadscope-reorder -q -m "not postgres and not e2e"

lint: install  ## ruff format check, ruff, import-linter, mypy
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy -p strata_contracts -p strata_kit -p strata_gateway -p strata_goals -p strata_reviews -p strata_feedback -p strata_analytics -p bench

format: install  ## Apply ruff format and autofixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install  ## Performance report under bench/results/ (see docs/performance.md)
	@command -v wrk >/dev/null 2>&1 || { \
		echo "bench: installing the wrk load generator (apt-get)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	$(BIN)/python -m bench $(BENCH_ARGS)

client-ts: install  ## Regenerate clients/typescript from the live merged OpenAPI (starts a stack; needs Node)
	$(BIN)/python clients/typescript/generate.py

clean:  ## Remove the virtualenv and tools (keeps var/ data)
	rm -rf $(VENV) $(TOOLS)
