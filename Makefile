# Returns Counter — the two commands of the README:
#   make run    set everything up, build the demo store (once), start the app
#   make test   set everything up, run lint, architecture checks, type checks and all tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup system-deps lint bench translations

run: setup
	$(BIN)/counter-app demo --if-missing
	$(BIN)/counter-app

test: setup lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

setup: system-deps $(STAMP) translations

system-deps:
	@bash scripts/install-system-deps.sh

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

translations: $(STAMP)
	@$(BIN)/python scripts/build_translations.py

lint: setup
	$(BIN)/ruff check counter_app ui tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run_all.py
