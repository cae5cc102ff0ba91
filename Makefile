# Two entry points for a fresh machine: `make demo` and `make test`. Both install what they need.
PY ?= python3
UV := $(PY) -m uv

.PHONY: setup demo test lint typecheck unit pg-up bench

setup:
	@$(UV) --version >/dev/null 2>&1 || $(PY) -m pip install --quiet --disable-pip-version-check uv
	@# Bytecode compiled once, as an installed application has it (this environment sets
	@# PYTHONDONTWRITEBYTECODE, so without it every command compiles its imports again).
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(UV) run python -m compileall -q src

demo: setup
	$(UV) run coxswain demo

lint: setup
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench
	$(UV) run lint-imports

typecheck: setup
	$(UV) run mypy

# The whole suite: lint, types, architecture contracts, tests on SQLite and on PostgreSQL.
test: setup lint typecheck
	$(UV) run pytest -n 2 --dist loadgroup

unit: setup
	$(UV) run pytest tests/unit -q
