# The front door. `make report` and `make test` are all a new machine needs:
# each creates .venv if it is missing and installs the project into it.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.fupin-installed
YEAR   ?= 2018
DATA   ?= data/sample
OUT    ?= reports/$(YEAR)

.PHONY: help install report test lab bench soak sample clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv (if missing) and install the project into it

report: $(STAMP) ## run the batch on the bundled sample county (validated once, inside the run); prints the county page's path
	$(BIN)/fupin run $(DATA) --year $(YEAR) --out $(OUT)

test: $(STAMP) ## run the whole test suite
	$(BIN)/python -m pytest

lab: $(STAMP) ## start JupyterLab in the project environment
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP) ## benchmark the batch: naive loop vs fupin run vs floor (prints figures and ratios)
	$(BIN)/python benchmarks/bench_batch.py

soak: $(STAMP) ## soak test: the sample county 50 times, some runs killed at random (slow)
	$(BIN)/python benchmarks/soak.py

sample: $(STAMP) ## regenerate the bundled sample county (data/sample/, data/sample.xlsx)
	$(BIN)/fupin sample

clean: ## remove generated reports (keeps .venv)
	rm -rf $(OUT)
