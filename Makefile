# Bank CRM developer entry points.
#   make run         the whole suite on this machine (gateway http://127.0.0.1:8000)
#   make test        lint, then every test, against FerretDB and RabbitMQ (started when needed)
#   make lint        ruff and mypy only (seconds)
#   make test-unit   the tests that need no servers
#   make down        stop the backing servers devstack started
# The first run installs RabbitMQ (apt-get) and builds FerretDB (Go); later runs reuse both.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# pip runs again only when pyproject.toml is newer than this stamp.
VENV_STAMP := $(VENV)/.installed

FERRETDB_PORT := $(or $(CRM_FERRETDB_PORT),27017)
AMQP_PORT := $(or $(CRM_AMQP_PORT),5672)
GATEWAY_URL := http://127.0.0.1:8000

# The services, workers and tests reach the backing servers devstack starts; a value
# already in the environment wins.
export CRM_MONGO_URL ?= mongodb://127.0.0.1:$(FERRETDB_PORT)
export CRM_AMQP_URL ?= amqp://guest:guest@127.0.0.1:$(AMQP_PORT)//

.PHONY: help venv devstack chromium console run lint test test-unit bench down clean-data

help:
	@echo "make run         start FerretDB, RabbitMQ and the suite (Ctrl-C stops the suite)"
	@echo "make test        lint, then all tests (starts FerretDB and RabbitMQ when they are not running)"
	@echo "make lint        ruff and mypy (configured in pyproject.toml)"
	@echo "make test-unit   unit tests only, no servers"
	@echo "make bench       benchmarks"
	@echo "make devstack    start FerretDB and RabbitMQ only"
	@echo "make down        stop the FerretDB and RabbitMQ that devstack started"
	@echo "make clean-data  stop devstack's FerretDB and delete its data"
	@echo "make venv        create .venv and install the project with its test extras"
	@echo "make console     build the web console into web/dist (again only when web/ or the API changed)"

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[test]'
	touch $@

devstack:
	bash devstack/up.sh

# Debian's Chromium for the browser tests (tests/browser); apt-get on the first run only.
chromium:
	bash devstack/chromium.sh

# The console (web/): npm ci, types from the API's OpenAPI document, vue-tsc, vitest, vite
# build; skipped when nothing it is built from changed (a digest in web/dist/.build-stamp).
console: venv
	bash web/scripts/build.sh

# Local-only bootstrap admin so the gateway can be used at once. CRM_DEV_MODE lets the
# secrets fall back to development values (chassis/config.py); without it every process
# refuses to start on a missing or development secret.
run: export CRM_DEV_MODE ?= 1
run: export CRM_ADMIN_USERNAME ?= admin
run: export CRM_ADMIN_PASSWORD ?= admin-dev-password
run: export PYTHONUNBUFFERED := 1
run: venv devstack console
	@echo
	@echo "  Gateway:   $(GATEWAY_URL)"
	@echo "  Console:   $(GATEWAY_URL)/console/"
	@echo "  API docs:  $(GATEWAY_URL)/api/docs"
	@echo "  Sign in:   $$CRM_ADMIN_USERNAME / $$CRM_ADMIN_PASSWORD"
	@echo "  Ctrl-C stops the services; 'make down' stops FerretDB and RabbitMQ."
	@echo
	exec $(BIN)/honcho start -f Procfile

# ruff (lint rules) and mypy (types; chassis and contracts strictly), both configured in
# pyproject.toml; both always run, so one failure does not hide the other's findings.
# Seconds, no servers: make test runs it first.
lint: venv
	@rc=0; \
	echo "ruff check ."; $(BIN)/ruff check . || rc=1; \
	echo "mypy"; $(BIN)/mypy || rc=1; \
	exit $$rc

# The tests start the services themselves, on their own ports. Lint first, then unit tests,
# so a broken rule fails in seconds; e2e, then the console in a real browser (tests/browser,
# on the e2e suite's processes).
test: venv lint devstack chromium console
	$(BIN)/pytest tests/unit tests/integration tests/e2e tests/browser $(PYTEST_ARGS)

test-unit: venv
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

# Each benchmark prints its ratios against a baseline it runs beside it.
bench: venv devstack
	@if [[ -f bench/__main__.py ]]; then \
		$(BIN)/python -m bench; \
	else \
		found=0; \
		for f in bench/bench_*.py; do \
			[[ -e "$$f" ]] || continue; found=1; \
			echo "== $$f"; $(BIN)/python "$$f"; \
		done; \
		[[ $$found == 1 ]] || echo "no benchmarks yet (bench/__main__.py or bench/bench_*.py)"; \
	fi

down:
	bash devstack/down.sh

clean-data:
	bash devstack/ferretdb.sh stop
	rm -rf .devstack/ferretdb-data .devstack/ferretdb-data-*
