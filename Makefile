# The front door. `make report` and `make test` are all a new machine needs:
# each creates .venv if it is missing and installs the project into it.
# .venv holds pandas 2 (the whole suite runs there); .venv-pandas3 holds
# pandas 3 for `make test-pandas3` (the fast tests once more). Both majors
# are supported: see docs/versions.md.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.fupin-installed
PANDAS ?= pandas>=2.2,<3
VENV3  := .venv-pandas3
BIN3   := $(VENV3)/bin
STAMP3 := $(VENV3)/.fupin-installed
PANDAS3 ?= pandas>=3,<4
YEAR   ?= 2018
DATA   ?= data/sample
OUT    ?= reports/$(YEAR)

.PHONY: help install report test test-pandas3 lab bench bench-province soak sample clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' '$(PANDAS)'
	@touch $(STAMP)

$(STAMP3): pyproject.toml
	@test -x $(BIN3)/python || $(PYTHON) -m venv $(VENV3)
	$(BIN3)/python -m pip install --quiet --upgrade pip
	$(BIN3)/python -m pip install --quiet -e '.[test]' '$(PANDAS3)'
	@touch $(STAMP3)

install: $(STAMP) ## create .venv (if missing) and install the project into it

report: $(STAMP) ## run the batch on the bundled sample county (validated once, inside the run); prints the county page's path
	$(BIN)/fupin run $(DATA) --year $(YEAR) --out $(OUT)

# Two worker processes (pytest-xdist), each test file on one of them, so that a file's module
# fixtures (a generated county, a batch, a Dask cluster) are made once. Files are handed out in
# collection order (tests/conftest.py puts the few long files first), not by number of tests: a
# long file of few tests handed out last would keep one worker busy while the other is idle.
XDIST := -n 2 --dist loadfile --no-loadscope-reorder

test: $(STAMP) ## run the whole test suite (pandas 2, .venv)
	$(BIN)/python -m pytest $(XDIST)

test-pandas3: $(STAMP3) ## run the fast tests (not the notebook/batch ones) under pandas 3, in .venv-pandas3
	$(BIN3)/python -m pytest $(XDIST) -m "not slow"

# Lab is rooted at the project, so the tutorial's links to docs/ and its reports/ are in reach; it opens
# the tutorial. As root (a server, a container) Jupyter needs --allow-root. More options: ARGS="--port 9000 --no-browser".
ARGS ?=
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: $(STAMP) ## start JupyterLab at the project root on the tutorial; ARGS="--port 9000 --no-browser" passes options to it
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ALLOW_ROOT) $(ARGS) notebooks/getting_started.ipynb

bench: $(STAMP) ## benchmark the batch: naive loop vs fupin run vs floor (prints figures and ratios)
	$(BIN)/python benchmarks/bench_batch.py

TOWNSHIPS ?= 1000
bench-province: $(STAMP) ## province from cold: generate TOWNSHIPS townships (default 1000, 1,000 households each), fupin run on every core; wall time, peak memory, cost per township
	$(BIN)/python benchmarks/bench_province.py --townships $(TOWNSHIPS)

soak: $(STAMP) ## soak test: the sample county 50 times, some runs killed at random (slow)
	$(BIN)/python benchmarks/soak.py

sample: $(STAMP) ## regenerate the bundled sample county (data/sample/, data/sample.xlsx, data/sample_roster.xlsx, data/sample_2021/)
	$(BIN)/fupin sample

clean: ## remove generated reports (keeps .venv)
	rm -rf $(OUT)
