# Vision Interview Studio: `make run` starts the app, `make test` runs the whole suite.
# Both create .venv when it is missing, install the pinned requirements and build the offline artefacts first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
MODEL_STAMP := .cache/models/.built
PORT ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test test-fast system-deps bench clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(MODEL_STAMP): $(STAMP) scoring/build.py
	$(PY) -m scoring.build
	@mkdir -p $(dir $@) && touch $@

setup: $(STAMP) $(MODEL_STAMP)

run: setup
	$(PY) -m interviews seed-demo --if-empty
	@# one lab queue worker beside the app (lab runs, take-home grading), stopped with it
	$(PY) -m lab worker --parent-pid $$$$ & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true

system-deps:
	bash scripts/install_system_deps.sh

test: setup system-deps
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow and not e2e"

bench: setup
	$(PY) -m scripts.bench_bank

clean:
	rm -rf $(VENV) .cache .pytest_cache
