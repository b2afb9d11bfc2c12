# contextmap: two commands on a fresh Debian machine with Python 3.11:
#   make demo   set up .venv, install, run the main job on data/sample
#   make test   set up the same way, run every test (CI runs this through .ci/run)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: install demo test lint bench chromium java postgresql clean sample

$(STAMP): pyproject.toml
	@if ! [ -x $(PY) ]; then \
	  $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	    echo "python3 -m venv failed: installing Debian's python3-venv"; \
	    rm -rf $(VENV); \
	    $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	    $(PYTHON) -m venv $(VENV); }; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@git rev-parse --git-dir >/dev/null 2>&1 && git config core.hooksPath .githooks || true
	@touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's chromium (never a downloaded browser build).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The Spark engine test runs Spark in local mode, which needs a Java runtime: Debian's.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing Debian's Java runtime for the Spark engine test"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }

demo: install chromium
	$(VENV)/bin/contextmap pack data/sample --out reports/sample --overwrite \
	  --basemap data/sample/basemap.gpkg --areas data/sample/areas.gpkg
	$(VENV)/bin/contextmap validate data/sample --out reports/sample/quality
	@echo "Open reports/sample/pack.html (or reports/sample/pack.pdf) to read the mapping pack."

# Workspace tests run against Debian's PostgreSQL too: .ci/with-postgres starts a throwaway
# server (temporary folder, 127.0.0.1, free port) for the test run and always stops it.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the workspace tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# Doctests: every Examples section in contextmap/ runs (--doctest-modules); they write only
# into temporary folders.
# --durations: the slowest tests are named at the end of every run, so a CI run that grows
# slower says where
test: install chromium java postgresql lint
	bash .ci/with-postgres $(PY) -m pytest -n 2 --durations=15 --doctest-modules contextmap tests --nbmake notebooks $(PYTEST_ARGS)

# ruff (with the nx/pd/gpd/np alias conventions) and mypy; part of make test.
lint: install
	python3 .ci/check_files.py
	$(VENV)/bin/ruff check contextmap tests benchmarks
	$(VENV)/bin/mypy contextmap

# Speed and quality benchmarks (minutes, not seconds; not part of make test).
bench: install chromium
	$(PY) benchmarks/bench_ingest.py
	$(PY) benchmarks/bench_analyses.py
	$(PY) benchmarks/eval_analyses.py
	$(PY) benchmarks/bench_resolve.py
	$(PY) benchmarks/eval_resolve.py
	$(PY) benchmarks/bench_views.py
	$(PY) benchmarks/bench_pack.py
	$(PY) benchmarks/bench_workspace.py

# Regenerate the committed synthetic sample (same seed, same files).
sample: install
	$(VENV)/bin/contextmap sample --out data/sample --children 150 --seed 7 --overwrite

clean:
	rm -rf $(VENV) reports/sample .pytest_cache
