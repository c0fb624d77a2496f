# Two commands do all the set-up on a fresh machine: `make main` and `make test`.
# Both create .venv (once) and install the package into it with pip.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install main train test test-fast lint format bench bench-labelling validate clean-outputs

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install diplostance with its dev tools

main: $(STAMP)  ## The main job: TF-IDF vs transformer, 3 seeds each, ending with the report (about 15-20 min)
	$(PY) -m src.train experiment=main_comparison

train: $(STAMP)  ## One run with the default config (TF-IDF, stance); pass ARGS="task=speaker_role ..."
	$(PY) -m src.train $(ARGS)

test: $(STAMP)  ## The whole test suite, slow real-model tests included
	HF_HUB_OFFLINE=1 $(PY) -m pytest

test-fast: $(STAMP)  ## The test suite without the slow real-model tests
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m "not slow"

lint: $(STAMP)  ## ruff lint and format check
	$(PY) -m ruff check src tests bench
	$(PY) -m ruff format --check src tests bench

format: $(STAMP)  ## Apply ruff formatting and safe fixes
	$(PY) -m ruff check --fix src tests bench
	$(PY) -m ruff format src tests bench

validate: $(STAMP)  ## Validate the bundled corpus and print its count tables
	$(PY) -m src.data.validate

bench: $(STAMP)  ## Benchmarks that print figures (TF-IDF start-up, transformer training, inference)
	$(PY) bench/bench_tfidf.py
	$(PY) bench/bench_report.py

bench-labelling: $(STAMP)  ## Labelling benchmarks on the newest runs in outputs/: inference, int8, Dask vs local, 1 GB memory
	HF_HUB_OFFLINE=1 $(PY) bench/bench_inference.py
	HF_HUB_OFFLINE=1 $(PY) bench/bench_archive.py
	HF_HUB_OFFLINE=1 $(PY) bench/bench_archive.py --memory
