# Civic — the two commands of the README: `make run` and `make test`. Everything else is here too.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
export FLASK_APP := app

.PHONY: run test test-fast test-e2e check lint format mypy imports migrations-check catalogues \
	assets translations install bench demo clean lock screenshots

install: $(INSTALLED)

# Repeatable installs: versions pinned by constraints.txt (regenerate with `make lock`).
$(INSTALLED): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/site.css: $(NODE_INSTALLED) build.mjs $(wildcard static/src/css/*.css static/src/js/*.js static/src/js/*/*.js)
	npm run --silent build

assets: static/dist/site.css

translations: $(INSTALLED)
	$(BIN)/pybabel compile --use-fuzzy -d civic/translations --statistics >/dev/null

# Re-extract strings after changing templates or code; then translate the new entries in both .po files.
catalogues: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k lazy_npgettext:1c,2,3 --no-location --sort-output \
		--ignore-dirs=".venv node_modules .git static instance migrations tests" -o civic/translations/messages.pot .
	$(BIN)/pybabel update -i civic/translations/messages.pot -d civic/translations --no-fuzzy-matching --ignore-obsolete --width 100

run: install assets translations
	$(BIN)/flask db upgrade
	$(BIN)/flask civic demo --if-empty
	@echo "Civic is at http://127.0.0.1:5000 (demo password: civic-demo-2026)"
	$(PY) app.py

demo: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask civic demo

# The whole suite: unit, views, PostgreSQL (when TEST_DATABASE_URL is set), slow and browser tests, on
# TEST_WORKERS processes (pytest-xdist; the browser tests, the scale cluster and the reference counting
# libraries each stay on one of them).
TEST_WORKERS ?= 2
test: install assets translations
	$(BIN)/pytest -n $(TEST_WORKERS)

test-fast: install assets translations
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not slow and not e2e"

test-e2e: install assets translations
	$(BIN)/pytest tests/e2e

# Pictures of the main pages in both languages, desktop and phone, into docs/screenshots/ (a real server on a
# fresh demo database, Chromium through Playwright). Not a test: look at them.
screenshots: install assets translations
	$(PY) tools/screenshots.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

mypy: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

# The migrations describe exactly the models: upgrade a scratch database, then ask Alembic for a diff.
migrations-check: install
	rm -f /tmp/civic-migrations-check.sqlite3
	DATABASE_URL=sqlite:////tmp/civic-migrations-check.sqlite3 $(BIN)/flask db upgrade >/dev/null
	DATABASE_URL=sqlite:////tmp/civic-migrations-check.sqlite3 $(BIN)/flask db check
	rm -f /tmp/civic-migrations-check.sqlite3

check: lint mypy imports migrations-check test

bench: install
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) node_modules static/dist .pytest_cache .mypy_cache .ruff_cache
