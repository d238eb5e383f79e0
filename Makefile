# Two commands on a fresh machine: `make run` and `make test`. Everything else follows.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced-$(shell cat uv.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run test lint lab docs dashboard bench exercises clean

# Chapter notebooks and the instructor guide; the dashboard notebook needs a browser test.
NOTEBOOKS = $(wildcard notebooks/[0-9][0-9]_*.ipynb notebooks/instructor_guide.ipynb)

setup: $(STAMP)

$(STAMP): pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
	$(BIN)/uv sync --locked --python $(BIN)/python
	rm -f $(VENV)/.synced-* && touch $(STAMP)

run: setup
	$(BIN)/crm-sim run baseline --out out

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest
	CRM_FAST=1 $(BIN)/pytest --nbval-lax --nbval-current-env $(NOTEBOOKS)

lab: setup
	$(BIN)/jupyter lab notebooks

docs: setup
	$(BIN)/jupyter nbconvert --to html --execute --output-dir out/docs $(NOTEBOOKS)

dashboard: setup
	$(BIN)/voila notebooks/dashboard.ipynb --Voila.ip=127.0.0.1 --port=8866 --no-browser

bench: setup
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_sweep.py

exercises: setup
	$(BIN)/python -m sim.exercises.student exercises/solutions exercises

clean:
	rm -rf out .pytest_cache .ruff_cache .hypothesis
