# Two commands: `make run` serves the demo site, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app blog
HOST ?= 127.0.0.1
PORT ?= 5000
# The site's one public address (links in feeds, emails, canonical URLs) follows where it is served.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format test-unit test-browser test-faults test-lighthouse test-postgres setup setup-dev \
	lock lock-upgrade lock-check clean bench bench-scale bench-import

# Installs come from the lock files, exact versions with hashes, never from pyproject.toml's ranges:
# requirements.txt is what the site runs on, requirements-dev.txt adds the tests, lint and bench.
# `make run` installs the first only; a target that needs the dev tools adds the second on top.
# A stamp per lock reinstalls when that lock changes. The project itself goes in editable, without
# dependencies (pip cannot hash a local directory).
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) --require-hashes --only-binary :all: -r requirements.txt
	$(PIP_INSTALL) --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed-run
	$(PIP_INSTALL) --require-hashes --only-binary :all: -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed-run

setup-dev: $(VENV)/.installed-dev

# The lock is made by pip-tools in a venv of its own, so it never lands in the site's venv.
# `make lock` follows pyproject.toml with the fewest changes (keeps every pin it can);
# `make lock-upgrade` moves every package to the newest release pyproject.toml allows.
# Resolved for this Python (3.11, the oldest supported) on Linux; the dev lock is constrained by
# the runtime one, so both agree on every shared package.
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.6.2
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
	--generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links

# The stamp is named after the pinned pip-tools, so changing the pin reinstalls it.
$(LOCK_VENV)/.$(PIP_TOOLS):
	test -x $(LOCK_VENV)/bin/python || $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "$(PIP_TOOLS)"
	touch $@

lock: $(LOCK_VENV)/.$(PIP_TOOLS)
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements.txt pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --constraint requirements.txt \
		--output-file requirements-dev.txt pyproject.toml

lock-upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

# Offline: every range in pyproject.toml is pinned, inside the range, in the lock that installs it.
lock-check: setup
	$(BIN)/python .ci/check_lock.py

# The site and, beside it, `flask worker` sending its mail (the site's own sender thread off: on
# SQLite one sender). With no MAIL_SERVER the worker writes each message into instance/mail/ (the
# staff's Outbox page lists them). Ctrl-C stops both: a background job of a script ignores
# SIGINT, so the trap ends the worker with SIGTERM, which it stops on between rounds.
run: setup
	$(FLASK) db upgrade
	$(FLASK) rerender-articles
	$(FLASK) load-demo --if-empty
	$(FLASK) staff-hint
	@echo "Serving on $(SITE_URL)/, with the mail worker beside it; stop both with Ctrl-C"
	FLASK_SITE_URL=$(SITE_URL) $(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	FLASK_SITE_URL=$(SITE_URL) FLASK_OUTBOX_SENDER_THREAD=false $(FLASK) run --host $(HOST) --port $(PORT)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The Nu Html Checker for the HTML validity test, from the npm registry (pinned in the lock file);
# it runs on Java (apt-get install -y --no-install-recommends default-jre-headless). Lighthouse,
# an optional dependency there, is left out: only test-lighthouse needs it.
VNU := tests/validators/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU): tests/validators/package.json tests/validators/package-lock.json
	npm ci --prefix tests/validators --no-audit --no-fund --omit=optional
	touch $@

test-unit: setup-dev $(VNU)
	$(BIN)/pytest --ignore=tests/browser --ignore=tests/lighthouse \
		--ignore=tests/deploy/test_fault_matrix.py --ignore=tests/deploy/test_outbox_faults.py

# axe-core for the accessibility checks, from the npm registry (pinned in the lock file).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

test-browser: setup-dev $(AXE)
	$(BIN)/pytest tests/browser

# Lighthouse (npm, pinned in tests/validators' lock; 12.x, as 13 needs Node 22) with Debian's
# Chromium, on the demo site served by gunicorn behind deploy/nginx.conf: the home page and an
# article, as a phone and a desktop. Fails unless accessibility, best practices and SEO score 95
# or more and nothing shifts as the page loads; prints every score, performance among them.
LIGHTHOUSE := tests/validators/node_modules/lighthouse/cli/index.js
$(LIGHTHOUSE): tests/validators/package.json tests/validators/package-lock.json
	npm ci --prefix tests/validators --no-audit --no-fund
	touch $@

test-lighthouse: setup-dev $(LIGHTHOUSE)
	$(BIN)/pytest tests/lighthouse -p no:cacheprovider -s

# The fault matrix (issue 15): Redis, PostgreSQL and an SMTP server of its own, each stopped or
# paused under two gunicorn servers; -s so that its table of outcomes and recovery times shows.
# Needs redis-server and PostgreSQL's initdb/pg_ctl (apt-get install -y redis-server postgresql).
# Then the outbox's faults (issue 16): 200 comments while the mail server is down, a worker
# killed mid-send.
test-faults: setup-dev
	$(BIN)/pytest tests/deploy/test_fault_matrix.py tests/deploy/test_outbox_faults.py \
		-p no:cacheprovider -s

test: lock-check lint test-unit test-browser test-faults

# The suite against PostgreSQL (any URL; each test gets a schema of its own).
BLOG_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
test-postgres: setup-dev $(AXE) $(VNU)
	BLOG_TEST_DATABASE_URL=$(BLOG_TEST_DATABASE_URL) $(BIN)/pytest --ignore=tests/lighthouse \
		--ignore=tests/deploy/test_fault_matrix.py --ignore=tests/deploy/test_outbox_faults.py

# Throughput as ratios to bare Flask in the same run (needs wrk: apt-get install -y wrk).
# BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test" for PostgreSQL;
# "--duration 1 --warmup 0 --results-dir /tmp/bench" for a quick check that it runs end to end.
bench: setup-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

# Each page's time at 1,000, 10,000 and 100,000 articles, one client, page cache off. Databases are
# kept in bench/.scale-cache/ (SQLite) or as bench_scale_* databases (PostgreSQL) for the next run.
# BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test" for PostgreSQL;
# "--sizes 1000,10000 --requests 10" for a quick run; "--rebuild" to build the databases again.
bench-scale: setup-dev
	$(BIN)/python -m bench.scale $(BENCH_ARGS)

# A generated WordPress export of about 200 MB (kept in bench/.import-cache/ for the next run)
# imported into a fresh SQLite database: the time it takes and the import's peak memory.
# BENCH_ARGS="--megabytes 5" for a quick run; "--database-url URL" for an empty PostgreSQL database.
bench-import: setup-dev
	$(BIN)/python -m bench.wxr $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache tests/browser/artifacts tests/browser/node_modules \
		tests/validators/node_modules
