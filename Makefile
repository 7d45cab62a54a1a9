# GlucoLens: `make run` serves everything on embedded defaults; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
BROKER_TEST_URL ?= redis://127.0.0.1:6379/14
# The SQLite suite runs beside the PostgreSQL one (make test), so it has its own Redis databases.
SQLITE_REDIS_TEST_URL ?= redis://127.0.0.1:6379/8
SQLITE_BROKER_TEST_URL ?= redis://127.0.0.1:6379/7
# STUMPY's compiled code for the test runs (numba's on-disk cache), shared by both lanes
# and filled once by test-warm while lint runs.
TEST_NUMBA_CACHE ?= /tmp/glucolens-test-numba
FRONTEND_SRC := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/package.json frontend/next.config.ts

.PHONY: run test lint typecheck test-lanes test-lane-sqlite test-lane-postgres test-sqlite test-postgres test-fault test-frontend test-e2e test-warm test-prep bench install frontend clean services

run: $(VENV)/.installed frontend/out/index.html
	$(BIN)/glucolens db upgrade
	$(BIN)/glucolens serve

install: $(VENV)/.installed frontend/node_modules/.installed

$(VENV)/.installed: backend/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e 'backend[dev]'
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20+ and npm are needed"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/out/index.html: frontend/node_modules/.installed $(FRONTEND_SRC)
	cd frontend && npm run build
	touch $@

frontend: frontend/out/index.html

lint: $(VENV)/.installed frontend/node_modules/.installed
	$(BIN)/ruff check backend bench
	$(BIN)/ruff format --check backend bench
	cd backend && ../$(BIN)/mypy glucolens
	cd frontend && npm run lint && npm run typecheck
	# the web app's API types must match the backend's OpenAPI schema (regenerate: npm run gen:api)
	cd frontend && GLUCOLENS_VENV_BIN=$(abspath $(BIN)) npm run check:api

test-sqlite: $(VENV)/.installed
	cd backend && NUMBA_CACHE_DIR=$(TEST_NUMBA_CACHE) GLUCOLENS_TEST_REDIS_URL=$(SQLITE_REDIS_TEST_URL) GLUCOLENS_TEST_BROKER_URL=$(SQLITE_BROKER_TEST_URL) \
		../$(BIN)/pytest -q -p no:cacheprovider --ignore=tests/fault

test-postgres: $(VENV)/.installed
	cd backend && NUMBA_CACHE_DIR=$(TEST_NUMBA_CACHE) GLUCOLENS_TEST_DATABASE_URL=$(PG_TEST_URL) GLUCOLENS_TEST_REDIS_URL=$(REDIS_TEST_URL) \
		GLUCOLENS_TEST_BROKER_URL=$(BROKER_TEST_URL) ../$(BIN)/pytest -q -p no:cacheprovider --ignore=tests/analytics --ignore=tests/fault

# kill -9 of PostgreSQL, Redis, the app and a worker mid-ingest; starts its own PostgreSQL
# cluster and redis-server on free ports (needs the PostgreSQL server binaries and redis-server).
test-fault: $(VENV)/.installed
	cd backend && NUMBA_CACHE_DIR=$(TEST_NUMBA_CACHE) ../$(BIN)/pytest -q -p no:cacheprovider tests/fault

test-frontend: frontend/node_modules/.installed
	cd frontend && npm test

test-e2e: $(VENV)/.installed frontend/out/index.html
	cd frontend && npm run test:e2e

# The suites are mostly single-threaded: two lanes at once use both cores, balanced by their
# lengths (SQLite then the fault suite; PostgreSQL then the web unit tests). Each lane's
# output is printed whole when it ends (--output-sync).
test-lane-sqlite: $(VENV)/.installed
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-fault

test-lane-postgres: $(VENV)/.installed frontend/node_modules/.installed
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-frontend

# Compiles STUMPY's code into the test cache (about a minute on a busy core) beside lint,
# so neither lane compiles it on its own.
test-warm: $(VENV)/.installed
	cd backend && NUMBA_CACHE_DIR=$(TEST_NUMBA_CACHE) ../$(BIN)/python -c \
		"from glucolens.analytics.patterns import warm_up; print(f'STUMPY ready in {warm_up():.1f} s')"

test-prep:
	$(MAKE) --no-print-directory --output-sync=target -j2 lint test-warm

test-lanes:
	$(MAKE) --no-print-directory --output-sync=target -j2 test-lane-sqlite test-lane-postgres

test: test-prep test-lanes test-e2e
	@echo "all checks passed"

bench: $(VENV)/.installed frontend/out/index.html
	for b in ingest dashboard load load_ingest web_session auth patterns forecast forecast_real causal_recovery causal_tiers insights_e2e cold_start stumpi_latency iglu_reference meal_response imports report export canonical sync realtime experiments; do \
		echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py || exit 1; done

services:
	pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log

clean:
	rm -rf frontend/out frontend/.next var
