# Set-up on a fresh machine needs only Python 3.11+, Node and npm. Each step runs only when its
# inputs changed, so a second `make run` reuses everything and keeps the data.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

# The benchmark's PostgreSQL database (its contents are dropped and rebuilt by `make bench`).
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench

.PHONY: run test setup assets lint clean-assets bench locks

run: setup
	PORT=$(PORT) $(BIN)/flask dhr setup-database
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The suite runs in TEST_WORKERS processes (pytest-xdist; each has its own database on PostgreSQL).
# TEST_WORKERS=0 runs it in this process, e.g. to debug one test.
TEST_WORKERS ?= 2
test: setup $(VENV)/.bench-installed
	$(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS)) $(PYTEST_ARGS)

# National scale on SQLite and PostgreSQL: see docs/performance.md. BENCH_ARGS=--reuse measures the data already built.
bench: setup $(VENV)/.bench-installed
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.run --database sqlite --database postgresql $(BENCH_ARGS)

assets: ssgp_dhr/static/.built

lint: setup
	$(BIN)/ruff check .

setup: $(VENV)/.installed ssgp_dhr/static/.built

# The lock files pin every package with its hashes: requirements.txt is what production installs,
# requirements-dev.txt adds the tests and tools, requirements-bench.txt the benchmark's packages.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Bench-only packages (Flask-Admin, httpx, pyinstrument, psutil): never in production's requirements.txt.
$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

# Compile the lock files again from pyproject.toml after changing a dependency there. Versions already
# locked are kept unless UPGRADE=--upgrade (or --upgrade-package NAME) asks for newer ones.
LOCK_TOOLS := .venv-locks
PIP_COMPILE := $(LOCK_TOOLS)/bin/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(UPGRADE)
locks:
	test -x $(LOCK_TOOLS)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install --quiet pip-tools==7.6.2)
	$(PIP_COMPILE) --output-file requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra test --constraint requirements.txt --output-file requirements-dev.txt pyproject.toml
	$(PIP_COMPILE) --extra bench --constraint requirements.txt --output-file requirements-bench.txt pyproject.toml

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

ssgp_dhr/static/.built: node_modules/.installed assets/build.mjs $(wildcard assets/*/*) assets/favicon.svg
	npm run --silent build
	touch $@

clean-assets:
	rm -rf ssgp_dhr/static node_modules
