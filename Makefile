# The single entry point: every target installs what it needs first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test demo lint bench clean

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

bench: $(STAMP)
	$(BIN)/python -m hfaudit.lab.bench --out reports/bench

clean:
	rm -rf $(VENV) reports/demo reports/bench .pytest_cache build hfaudit/analyse/naming/_cparser*.so
