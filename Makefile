# Task runner. A new user needs only `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
SAMPLE := examples/sample_building.ifc

.PHONY: install dev demo serve test lint sample bench bench-quick bench-phases clean wheel-check test-fast

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)   ## the venv with the package, editable

dev: $(DEVSTAMP)

demo: $(STAMP)      ## the permit report of the sample building (json, xlsx, html, pdf) and its take-off, in out/
	@mkdir -p out
	$(BIN)/embodied report $(SAMPLE) -o out
	$(BIN)/embodied takeoff $(SAMPLE) -o out/sample_takeoff.xlsx -q
	$(BIN)/embodied match $(SAMPLE) -o out/sample_match.xlsx --write-mapping out/sample_mapping.csv -q
	@echo "Reports written to out/ (open out/sample_building.html or .pdf)"

serve: $(STAMP)     ## the local web page over examples/ at http://localhost:8000/ (Ctrl+C stops)
	$(BIN)/embodied serve examples $(SERVE_ARGS)

lint: $(DEVSTAMP)
	$(BIN)/ruff check embodied tests examples bench
	$(BIN)/ruff format --check embodied tests examples bench
	$(BIN)/mypy embodied

wheel-check: $(DEVSTAMP)  ## build the wheel, install it in a fresh venv outside the repository, run the sample report
	.ci/wheel-check

test-fast: $(DEVSTAMP)  ## the fast tier, for day-to-day work: no slow tests, no shared models (under a minute)
	$(BIN)/python -m pytest -q -m "not slow and not realmodels"

test: $(DEVSTAMP) lint  ## the whole suite
	$(BIN)/python -m pytest

sample: $(STAMP)    ## regenerate examples/sample_building.ifc
	$(BIN)/python examples/make_sample.py $(SAMPLE)

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache

BENCHSTAMP := $(VENV)/.installed-bench
GRIDS := bench/models/grid_1k.ifc bench/models/grid_10k.ifc bench/models/grid_100k.ifc

$(BENCHSTAMP): $(STAMP) bench/requirements.txt
	$(BIN)/python -m pip install --quiet -r bench/requirements.txt
	touch $@

bench/models/grid_%k.ifc: | $(STAMP)  # only when missing (make_models.py is deterministic)
	$(BIN)/python bench/make_models.py $$(( $* * 1000 )) --out bench/models

bench: $(BENCHSTAMP) $(GRIDS)  ## embodied vs the floor and reference engines; table + bench/results/*.json
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: $(BENCHSTAMP) bench/models/grid_1k.ifc bench/models/grid_10k.ifc  ## the same on grid_1k and grid_10k
	$(BIN)/python bench/run.py --quick $(BENCH_ARGS)

bench-phases: $(STAMP)  ## the take-off phase by phase on the shared models (JSON lines)
	$(BIN)/python bench/bench_takeoff.py
