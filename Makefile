# Masthead: make run · make test · make install · make bench · make lint
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/masthead

.PHONY: install install-test run test test-sqlite test-postgres bench bench-tools lint format clean

# The virtualenv is rebuilt only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml scripts/find-python.sh
	@PY="$$(scripts/find-python.sh)" || exit 1; \
	if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	  echo "Creating $(VENV) with $$PY"; rm -rf $(VENV); "$$PY" -m venv $(VENV) || exit 1; \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/masthead run

# The whole suite on SQLite; under CI=true, again on PostgreSQL (which must be up).
test: install-test
	$(MAKE) --no-print-directory test-sqlite
	@if [ "$$CI" = "true" ] || [ -n "$$MASTHEAD_TEST_POSTGRES" ]; then \
	  $(MAKE) --no-print-directory test-postgres; fi

test-sqlite:
	$(BIN)/pytest -q

test-postgres:
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not browser and not scale" -p no:randomly

# Loads the production server on 127.0.0.1 with wrk for a bounded time (~10 min,
# with the newsletter send), then imports 10,000-post WordPress and Ghost files (bench/import.py);
# the Markdown report goes to bench/results/.  Not part of `make test`.
bench: install-test bench-tools
	$(BIN)/python bench/run.py
	$(BIN)/python bench/scaled.py
	$(BIN)/python bench/import.py

# wrk and nginx (the static-file limit) from Debian, when missing.
bench-tools:
	@if ! command -v wrk >/dev/null || ! PATH="$$PATH:/usr/sbin" command -v nginx >/dev/null; then \
	  apt-get update -qq && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light || \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx; }; \
	fi

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var
