# The two commands a newcomer needs: `make run` (SQLite + demo data) and `make test` (PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/registration_portal
# Redis for the cache the rate limits count in (started by the machine, as PostgreSQL).
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PORT ?= 8000
# The suite runs on every core (pytest-xdist); each worker gets its own test database.
PYTEST_WORKERS ?= auto

.PHONY: run serve worker test e2e lint format migrations-check messages install install-browser-deps lock clean scan bench

# Two lock files pin every package, direct and indirect, with their hashes (`make lock`
# renews both from pyproject.toml): requirements.lock is what production installs,
# requirements-dev.lock adds tests, linters and the developer tools.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): requirements.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $(RUNTIME)

$(DEV): requirements-dev.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(DEV) $(RUNTIME)

LOCK_FLAGS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links --no-emit-trusted-host
lock:
	rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet pip-tools
	/tmp/lock-venv/bin/pip-compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	/tmp/lock-venv/bin/pip-compile $(LOCK_FLAGS) --extra dev -o requirements-dev.lock pyproject.toml

install: $(DEV)

# Demo mode: embedded SQLite, DEBUG on, demo agencies/users/clients.
run: export DEBUG = 1
run: export DATABASE_URL = sqlite:///$(CURDIR)/db.sqlite3
run: $(RUNTIME)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo "Portal: http://127.0.0.1:$(PORT)/  (log in as laf.caseworker / demo)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production settings on this machine (docs/operations.md "Running in production"): DEBUG
# off, static files collected for whitenoise, gunicorn with deploy/gunicorn.conf.py on
# 127.0.0.1:$(PORT). Needs DJANGO_SECRET_KEY and DATABASE_URL (PostgreSQL), from the
# environment or .env. Plain HTTP on loopback: no redirect to HTTPS, cookies without Secure.
serve: export DEBUG = 0
serve: export SECURE_SSL_REDIRECT ?= 0
serve: export SESSION_COOKIE_SECURE ?= 0
serve: export CSRF_COOKIE_SECURE ?= 0
serve: export GUNICORN_BIND = 127.0.0.1:$(PORT)
serve: $(RUNTIME)
	@test -f .env || { test -n "$$DJANGO_SECRET_KEY" && test -n "$$DATABASE_URL"; } || { \
	  echo "make serve needs DJANGO_SECRET_KEY and DATABASE_URL, e.g."; \
	  echo "  DJANGO_SECRET_KEY=\$$(openssl rand -hex 32) DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal make serve"; \
	  exit 1; }
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@echo "Portal (production settings): http://127.0.0.1:$(PORT)/  health: /healthz /readyz"
	exec $(BIN)/gunicorn --config deploy/gunicorn.conf.py

# The job worker (docs/operations.md "Background jobs"): imports and the scheduled jobs, on
# PostgreSQL (DATABASE_URL as for `make serve`). The audit purge has its own queue, run by a
# worker connected as the purge role: WORKER_QUEUES=purge DATABASE_URL=<purge role's> make worker.
WORKER_QUEUES ?= imports,scheduled
worker: $(RUNTIME)
	$(BIN)/python manage.py procrastinate worker --queues=$(WORKER_QUEUES) --concurrency=2

# axe-core for the accessibility checks in the browser tests (npm, pinned by package-lock.json).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

# Best effort on a developer machine (the browser tests then skip and say why);
# in CI (CI=true) a missing browser or npm fails the run.
install-browser-deps:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory node_modules/axe-core/axe.min.js; \
	  elif [ -n "$$CI" ]; then echo "npm is needed for axe-core"; exit 1; \
	  else echo "npm not found: browser tests will be skipped"; fi
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif [ -n "$$CI" ]; then echo "Browser tests need Debian's chromium"; exit 1; \
	  else echo "chromium not found (sudo apt-get install chromium): browser tests will be skipped"; fi; }

# The whole suite on PostgreSQL, browser tests included.
test: export DATABASE_URL = $(TEST_DATABASE_URL)
test: export REDIS_URL = $(TEST_REDIS_URL)
test: export STATICFILES_BACKEND = django.contrib.staticfiles.storage.StaticFilesStorage
test: $(DEV) install-browser-deps
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest --create-db -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

e2e: export DATABASE_URL = $(TEST_DATABASE_URL)
e2e: export REDIS_URL = $(TEST_REDIS_URL)
e2e: export STATICFILES_BACKEND = django.contrib.staticfiles.storage.StaticFilesStorage
e2e: $(DEV) install-browser-deps
	$(BIN)/pytest -m e2e -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Load benchmark (issue 13; never in CI): a dedicated PostgreSQL database (name with
# "bench"), filled once (bench_fill --reuse keeps data of the requested size), then
# gunicorn with production settings and locust for BENCH_DURATION seconds. Figures, CSVs
# and a PNG in tools/bench/reports/<timestamp>/ (docs/operations.md "Benchmarks").
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/2
BENCH_CLIENTS ?= 1000000
BENCH_EVENTS ?= 10000000
BENCH_DURATION ?= 180
BENCH_USERS ?= 40
GUNICORN_WORKERS ?= 5
bench: export DATABASE_URL = $(BENCH_DATABASE_URL)
bench: export REDIS_URL = $(BENCH_REDIS_URL)
bench: export DEBUG = 0
bench: export SECOND_FACTOR_REQUIRED = 0
bench: export DJANGO_SECRET_KEY ?= bench-only-$(shell od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
bench: $(DEV)
	$(BIN)/python manage.py bench_fill --reuse --clients $(BENCH_CLIENTS) --events $(BENCH_EVENTS)
	$(BIN)/python manage.py bench_load --duration $(BENCH_DURATION) --users $(BENCH_USERS) \
	  --workers $(GUNICORN_WORKERS)

# Style, and the layers of docs/architecture.md (.importlinter): a wrong-way import fails.
lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(DEV)
	$(BIN)/python manage.py makemigrations --check --dry-run

# Third-party scanners (wapiti, sqlmap; tools/scan/requirements.txt) against a local portal,
# signed in, on a scratch database (docs/security.md "Scanning"). Their own virtualenv: they
# never enter the product's lock files. Reports under tools/scan/reports/latest/.
scan: $(RUNTIME)
	test -x .venv-scan/bin/python || $(PYTHON) -m venv .venv-scan
	.venv-scan/bin/pip install --quiet --disable-pip-version-check -r tools/scan/requirements.txt
	.venv-scan/bin/python tools/scan/run.py $(SCAN_ARGS)

# Regenerate .po files after changing strings; .mo files are committed so no gettext is needed to run.
messages: $(DEV)
	$(BIN)/python manage.py makemessages -l de -l en --ignore=.venv --ignore=node_modules
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles
