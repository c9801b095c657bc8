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

# the wire tests mostly wait on sockets: four workers on two cores take a third of the time;
# worksteal keeps the slow subprocess tests (real modbot runs) from queueing on one worker
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
