# Two commands for a newcomer: `make run` starts the whole system, `make test` proves it.
# Both create .venv and install the pinned dependencies first (constraints.txt).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test check lint format clean bench

run: $(INSTALLED)
	$(BIN)/oms up

test: $(INSTALLED) check
	$(BIN)/pytest

check: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

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
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache *.egg-info
