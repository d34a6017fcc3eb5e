# Set-up on a fresh machine needs only Python 3.11+, Node and npm. Each step runs only when its
# inputs changed, so a second `make run` reuses everything and keeps the data.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test setup assets lint clean-assets

run: setup
	PORT=$(PORT) $(BIN)/flask dhr setup-database
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

setup: $(VENV)/.installed ssgp_dhr/static/.built

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

ssgp_dhr/static/.built: node_modules/.installed assets/build.mjs $(wildcard assets/*/*) assets/favicon.svg
	npm run --silent build
	touch $@

clean-assets:
	rm -rf ssgp_dhr/static node_modules
