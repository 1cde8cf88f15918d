# skiff: `make run` sets up what is missing and serves the API on 127.0.0.1:4620;
# `make test` does the same set-up, then lint, type checks and every test.
PY := .venv/bin/python
export SKIFF_DATA_DIR ?= $(HOME)/.skiff
# make test TEST_WORKERS=2: e2e modules on one xdist worker, the rest on the other (tests/conftest.py); off by default (not run at length since pause addresses are retried across servers)
TEST_WORKERS ?= 0

.PHONY: setup run test lint typecheck unit api bench clean

setup:
	@bash scripts/setup.sh

run: setup
	@$(PY) -m skiff server

lint: setup
	@echo "==> ruff"
	@.venv/bin/ruff check skiff tests bench
	@.venv/bin/ruff format --check skiff tests bench
	@echo "==> import contracts"
	@.venv/bin/lint-imports --no-cache

typecheck: setup
	@echo "==> mypy (strict on skiff/)"
	@.venv/bin/mypy

test: setup lint typecheck
	@echo "==> pytest"
	@.venv/bin/pytest -q -p no:cacheprovider $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup)

bench: setup
	@test -x .bench-venv/bin/python || python3 -m venv .bench-venv
	@.bench-venv/bin/pip install -q 'moto[server]' ministack
	@$(PY) bench/bench_api.py --peer-python .bench-venv/bin/python

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
