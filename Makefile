# The single entry point: every target installs what it needs first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test test-fast golden demo lint bench clean

# parser.py: pip compiles a copy of the name parser (setup.py), rebuilt when it changes.
$(STAMP): pyproject.toml setup.py hfaudit/analyse/naming/parser.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# tests/conftest.py seals every test (own HF_HOME, no token, no route past 127.0.0.1, COLUMNS=120).
# `make test` runs everything, the end-to-end tests marked `slow` included; `make test-fast` skips those.
test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# Rewrite the golden files (tests/golden/: every output format on one seeded store, and the schema).
golden: $(STAMP)
	HFAUDIT_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests/test_golden.py tests/test_store.py -k golden
	git status --short tests/golden

demo: $(STAMP)
	$(BIN)/hfaudit demo --out reports/demo

lint: $(STAMP)
	$(BIN)/ruff check hfaudit tests
	$(BIN)/mypy hfaudit

bench: $(STAMP)
	$(BIN)/python -m hfaudit.lab.bench --out reports/bench

clean:
	rm -rf $(VENV) reports/demo reports/bench .pytest_cache build hfaudit/analyse/naming/_cparser*.so
