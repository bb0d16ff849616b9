# pmhub — the two commands people use are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
VAR := $(or $(PMHUB_VAR_DIR),var)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pmhub
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: run test lint install static demo services-check screenshots bench format clean

## make run: install, migrate, seed the demo, then web + worker + beat on http://127.0.0.1:8000
##   (PMHUB_PORT and PMHUB_HOST change the address, PMHUB_VAR_DIR where SQLite and the broker live)
run: install static
	@mkdir -p $(VAR)/broker/processed
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo_events --if-empty --events 20000
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo_roadmap
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo_backlog
	DEBUG=$${DEBUG:-1} \
	PMHUB_BASE_URL=$${PMHUB_BASE_URL:-http://$${PMHUB_HOST:-127.0.0.1}:$${PMHUB_PORT:-8000}} \
		$(BIN)/honcho -f Procfile.dev start

## make test: lint, then the whole suite against PostgreSQL and Redis
test: install static lint
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=pmhub.settings.test $(BIN)/mypy pmhub metrics roadmaps backlog
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=pmhub.settings.test > /dev/null

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	$(BIN)/djlint templates --reformat --quiet || true

## the virtualenv, reinstalled when pyproject.toml changes
install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## front-end libraries from npm, copied into static/vendor/
static: static/vendor/.copied
static/vendor/.copied: package.json package-lock.json scripts/copy_vendor.mjs
	@command -v npm >/dev/null || { echo "npm (Node.js) is required for the front-end libraries"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/copy_vendor.mjs
	touch $@

## screenshots of the main pages into docs/screenshots/ (headless Chromium)
screenshots: install static
	PMHUB_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots \
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python -m pytest -m browser -q

## benchmarks print their figures; see docs/performance.md
bench: install static
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules static/vendor var
