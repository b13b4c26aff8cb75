# Two commands: `make run` serves the demo site, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app blog
HOST ?= 127.0.0.1
PORT ?= 5000
# The site's one public address (links in feeds, emails, canonical URLs) follows where it is served.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format test-unit test-browser test-postgres setup clean bench

# The venv is rebuilt when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

run: setup
	$(FLASK) db upgrade
	$(FLASK) rerender-articles
	$(FLASK) load-demo --if-empty
	$(FLASK) staff-hint
	@echo "Serving on $(SITE_URL)/"
	FLASK_SITE_URL=$(SITE_URL) $(FLASK) run --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The Nu Html Checker for the HTML validity test, from the npm registry (pinned in the lock file);
# it runs on Java (apt-get install -y --no-install-recommends default-jre-headless).
VNU := tests/validators/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU): tests/validators/package.json tests/validators/package-lock.json
	npm ci --prefix tests/validators --no-audit --no-fund
	touch $@

test-unit: setup $(VNU)
	$(BIN)/pytest --ignore=tests/browser

# axe-core for the accessibility checks, from the npm registry (pinned in the lock file).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

test-browser: setup $(AXE)
	$(BIN)/pytest tests/browser

test: lint test-unit test-browser

# The suite against PostgreSQL (any URL; each test gets a schema of its own).
BLOG_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
test-postgres: setup $(AXE) $(VNU)
	BLOG_TEST_DATABASE_URL=$(BLOG_TEST_DATABASE_URL) $(BIN)/pytest

# Throughput as ratios to bare Flask in the same run (needs wrk: apt-get install -y wrk).
# BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test" for PostgreSQL;
# "--duration 1 --warmup 0 --results-dir /tmp/bench" for a quick check that it runs end to end.
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/browser/artifacts tests/browser/node_modules \
		tests/validators/node_modules
