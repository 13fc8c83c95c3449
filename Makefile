# Two commands for a newcomer: `make run` starts the whole system, `make test` proves it.
# Both create .venv and install the pinned dependencies first (constraints.txt).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LEVELS := unit agents integration e2e

.PHONY: run test check lint format clean bench faults $(addprefix test-,$(LEVELS))

run: $(INSTALLED)
	$(BIN)/oms up

test: $(INSTALLED) check
	$(BIN)/pytest

# One level of the test pyramid at a time: make test-unit, test-agents, test-integration, test-e2e.
$(addprefix test-,$(LEVELS)): test-%: $(INSTALLED)
	$(BIN)/pytest -m $*

# Faults injected under a steady load of orders, a table of how the system recovered.
faults: $(INSTALLED)
	$(BIN)/pytest -m faults

# Lint, format, types, and the direction of imports (the contracts in pyproject.toml).
check: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Throughput and latency of the saga; needs the system up (`make run` in another terminal).
bench: $(INSTALLED)
	$(BIN)/oms bench

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache .import_linter_cache *.egg-info
