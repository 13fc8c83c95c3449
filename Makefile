# Two commands for a newcomer: `make run` starts the whole system, `make test` proves it.
# Both create .venv and install the pinned dependencies first (constraints.txt).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LEVELS := unit agents integration e2e
# The saga page's browser test drives Debian's chromium (tests/e2e/test_saga_page.py).
CHROMIUM := /usr/bin/chromium
# apt-get needs root: as root it runs as is, otherwise through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check lint format clean bench faults screenshot schemas $(addprefix test-,$(LEVELS))

run: $(INSTALLED)
	$(BIN)/oms up

# Every level of tests, then the fault suite (its table of how the system recovered last).
test: $(INSTALLED) $(CHROMIUM) check
	$(BIN)/pytest
	$(BIN)/pytest -m faults

# One level of the test pyramid at a time: make test-unit, test-agents, test-integration, test-e2e.
$(addprefix test-,$(LEVELS)): test-%: $(INSTALLED)
	$(BIN)/pytest -m $*

test-e2e: $(CHROMIUM)

# Faults injected under a steady load of orders, a table of how the system recovered.
faults: $(INSTALLED)
	$(BIN)/pytest -m faults

# Lint, format, types, and the direction of imports (the contracts in pyproject.toml).
check: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The saga page's picture in docs/, taken by its browser test (about a minute).
SCREENSHOT_TEST := tests/e2e/test_saga_page.py::test_orders_placed_over_http_appear_and_move_through_their_states_without_a_reload
screenshot: $(INSTALLED) $(CHROMIUM)
	SAGA_PAGE_SCREENSHOT=$(CURDIR)/docs/saga-page.png $(BIN)/pytest -q $(SCREENSHOT_TEST)

# Throughput and latency of the saga; needs the system up (`make run` in another terminal).
bench: $(INSTALLED)
	$(BIN)/oms bench

# Each record's JSON Schema at its version, in models/schemas (docs/evolution.md).
schemas: $(INSTALLED)
	$(BIN)/oms schemas

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

# Only when it is missing: a machine that has it is left as it is.
$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache .import_linter_cache *.egg-info
