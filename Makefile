# The two commands a newcomer needs: `make run` (SQLite + demo data) and `make test` (PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/registration_portal
PORT ?= 8000

.PHONY: run test e2e lint format migrations-check messages install install-browser-deps lock clean

# requirements.lock pins every package, direct and indirect (`make lock` renews it).
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

lock:
	rm -rf /tmp/lock-venv && $(PYTHON) -m venv /tmp/lock-venv
	/tmp/lock-venv/bin/pip install --quiet -e ".[dev]"
	/tmp/lock-venv/bin/pip freeze --exclude-editable > requirements.lock

install: $(STAMP)

# Demo mode: embedded SQLite, DEBUG on, demo agencies/users/clients.
run: export DEBUG = 1
run: export DATABASE_URL = sqlite:///$(CURDIR)/db.sqlite3
run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo "Portal: http://127.0.0.1:$(PORT)/  (log in as laf.caseworker / demo)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

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
test: export STATICFILES_BACKEND = django.contrib.staticfiles.storage.StaticFilesStorage
test: $(STAMP) install-browser-deps
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest --create-db $(PYTEST_ARGS)

e2e: export DATABASE_URL = $(TEST_DATABASE_URL)
e2e: export STATICFILES_BACKEND = django.contrib.staticfiles.storage.StaticFilesStorage
e2e: $(STAMP) install-browser-deps
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

# Regenerate .po files after changing strings; .mo files are committed so no gettext is needed to run.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l de -l en --ignore=.venv --ignore=node_modules
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles
