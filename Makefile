# One command each on a fresh machine: `make demo` and `make test`. CI runs `.ci/run`, which
# installs the system services and then calls `make test` too.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The CPU build of torch (the default PyPI wheel is a multi-GB CUDA build).
TORCH  ?= torch==2.13.0

.PHONY: setup demo test test-fast lint bench clean

$(BIN)/umot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

setup: $(BIN)/umot

demo: setup
	$(BIN)/umot demo

test: setup
	$(BIN)/pytest -m "" -q

test-fast: setup
	$(BIN)/pytest -m "not slow and not browser" -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

bench: setup
	$(BIN)/python bench/upsert.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
