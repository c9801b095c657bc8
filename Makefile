# Two commands on a fresh machine: `make demo` and `make test` (only python3 and make needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/modbot demo

# the wire tests mostly wait on sockets: six workers on two cores (14.5 min of tests in CI, 16 with
# four); the slow files go first, two tests at a time (tests/conftest.py: SLOW_FILES), so the
# subprocess tests (real modbot runs) spread over the workers instead of queueing on one
test: $(STAMP)
	$(BIN)/python -m pytest -n 6 --dist load --maxschedchunk 2 --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy bot handlers filters

bench: $(STAMP)
	$(BIN)/python bench/filter_bench.py
	$(BIN)/python bench/faq_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
