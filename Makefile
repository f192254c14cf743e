# The single entry point: every target installs what it needs first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test demo lint bench evaluate clean golden

# parser.py: pip compiles a copy of the name parser (setup.py), rebuilt when it changes.
$(STAMP): pyproject.toml setup.py hfaudit/analyse/naming/parser.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	HF_HUB_OFFLINE=0 HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_XET=1 COLUMNS=120 \
	  $(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/hfaudit demo --out reports/demo

lint: $(STAMP)
	$(BIN)/ruff check hfaudit tests
	$(BIN)/mypy hfaudit

# Refresh the golden files (schema, the generated table section of docs/schema.md) from the code.
golden: $(STAMP)
	HFAUDIT_UPDATE_GOLDEN=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_store.py

bench: $(STAMP)
	$(BIN)/python -m hfaudit.lab.bench --out reports/bench

# Every scorer beside its baselines (naming k-fold CV, Jiang classes, releases, semver, lineage):
# reports/evaluate/evaluate.md and evaluate.json. About 6 minutes (two crawls of the real trees).
evaluate: $(STAMP)
	$(BIN)/python -m hfaudit.lab.evaluate --out reports/evaluate

clean:
	rm -rf $(VENV) reports/demo reports/bench reports/evaluate .pytest_cache build hfaudit/analyse/naming/_cparser*.so
