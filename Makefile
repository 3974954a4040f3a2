# Two commands do the whole set-up on a fresh machine with Python 3.11 and pip:
#   make run    installs into .venv, readies the database (schema upgrades; the demo district
#               on first start, one progress line per step), then opens the app
#   make test   installs into .venv and runs the test suite on SQLite and, side by side, on
#               PostgreSQL + PostGIS (a throwaway server on loopback; skipped where they are not
#               installed)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

# Two stamps: `make run` installs only what the app needs; `make test` (and lint) adds the
# test and development tools. Each is redone when pyproject.toml changes.
$(VENV)/.installed-app: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

run: $(VENV)/.installed-app
	$(BIN)/python first_start.py
	$(BIN)/streamlit run app.py

test: $(VENV)/.installed-test
	$(BIN)/python -m tests.suites

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy geo && $(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV)
