# Every target bootstraps its own virtualenv, so a fresh machine needs only Python 3.11 and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Browser assets from the npm registry, pinned by package-lock.json: Chart.js is copied into the
# dashboard's static files (the app serves it itself, never from a CDN); axe-core stays in
# node_modules/ for the browser tests. npm writes node_modules/.package-lock.json on every install.
NODE_STAMP := node_modules/.package-lock.json
VENDOR_DIR := arrow_integration/dashboard/static/dashboard/vendor
CHART_JS := $(VENDOR_DIR)/chart.umd.min.js

.PHONY: demo test bench lint install screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(CHART_JS): $(NODE_STAMP)
	mkdir -p $(VENDOR_DIR)
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map \
	   node_modules/chart.js/LICENSE.md $(VENDOR_DIR)/
	touch $(CHART_JS)

install: $(STAMP) $(CHART_JS)

demo: install
	$(BIN)/waldur-arrow demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Screenshots of the dashboard pages into docs/ (see README "Dashboard").
screenshots: install
	$(BIN)/python -m pytest arrow_integration/tests/browser/test_screenshots.py --dashboard-screenshots=docs -q

bench: install
	$(BIN)/python -m bench

# Fails on any finding: ruff's rules and the import contracts (both in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .venv-focus var node_modules $(VENDOR_DIR)
