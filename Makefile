# The single entry point: every target installs what it needs first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test test-fast golden demo lint bench evaluate clean

# parser.py: pip compiles a copy of the name parser (setup.py), rebuilt when it changes.
$(STAMP): pyproject.toml setup.py hfaudit/analyse/naming/parser.py hfaudit/analyse/naming/parser.pxd
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# tests/conftest.py seals every test (own HF_HOME, no token, no route past 127.0.0.1, COLUMNS=120).
# `make test` runs everything, the end-to-end tests marked `slow` included; `make test-fast` skips those.
# TEST_JOBS pytest-xdist workers (default 2, this machine's cores): the end-to-end tests mostly wait on
# served latency and child processes, so two run side by side. TEST_JOBS=0 runs in one process.
TEST_JOBS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS) -m "not slow"

demo: $(STAMP)
	$(BIN)/hfaudit demo --out reports/demo

lint: $(STAMP)
	$(BIN)/ruff check hfaudit tests
	$(BIN)/mypy hfaudit

# Refresh the golden files from the code: the schema and the generated table section of docs/schema.md
# (test_store), and every output format on one seeded store (test_golden). Review the diff like code.
golden: $(STAMP)
	HFAUDIT_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_store.py tests/test_golden.py
	git status --short tests/golden docs/schema.md

bench: $(STAMP)
	$(BIN)/python -m hfaudit.lab.bench --out reports/bench

# Every scorer beside its baselines (naming k-fold CV, Jiang classes, releases, semver, lineage):
# reports/evaluate/evaluate.md and evaluate.json. About 6 minutes (two crawls of the real trees).
evaluate: $(STAMP)
	$(BIN)/python -m hfaudit.lab.evaluate --out reports/evaluate

clean:
	rm -rf $(VENV) reports/demo reports/bench reports/evaluate .pytest_cache build hfaudit/analyse/naming/_cparser*.so
