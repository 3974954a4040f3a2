# Two commands do the whole set-up on a fresh machine with Python 3.11 and pip:
#   make run    installs into .venv, creates the demo district on first start, opens the app
#   make test   installs into .venv and runs the test suite on SQLite and, side by side, on
#               PostgreSQL + PostGIS (a throwaway server on loopback; skipped where they are not
#               installed)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/streamlit run app.py

test: $(VENV)/.installed
	$(BIN)/python -m tests.suites

lint: $(VENV)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy geo

clean:
	rm -rf $(VENV)
