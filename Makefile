# The README's two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench mutate clean

# The first run says what it does (about 30 s of pip), then stays quiet unless pip fails.
$(STAMP): pyproject.toml
	@echo "installing trctl into $(VENV)… (first run only, about 30 s)"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)
	@echo "installed: $(BIN)/trctl (in a new terminal: . $(VENV)/bin/activate)"

demo: $(STAMP)
	$(BIN)/trctl demo

test: lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check trctl tests bench examples scripts
	$(BIN)/ruff format --check --quiet trctl tests bench examples scripts

# the figures quoted in the README's Benchmarks table (a few minutes; not part of the tests)
bench: $(STAMP)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/cli.py
	$(BIN)/python bench/callback.py
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/explain.py
	$(BIN)/python bench/watch.py
	$(BIN)/python bench/retention.py
	$(BIN)/python bench/limits.py
	$(BIN)/python bench/simulate.py

# mutation testing, group by group (mutation/modules.toml; MODULES="expr resolve" chooses some):
# cosmic-ray writes each mutant into a copy of the tree and runs the group's tests; the scores
# and the surviving mutants are printed (docs/testing.md). Slow, so not part of `make test`.
MUTATION_TOOLS := $(VENV)/.mutation-tools
$(MUTATION_TOOLS): $(STAMP)
	$(BIN)/python -m pip install --quiet 'cosmic-ray==8.7.0'
	touch $(MUTATION_TOOLS)

mutate: $(MUTATION_TOOLS)
	$(BIN)/python scripts/mutate.py $(MODULES)

clean:
	rm -rf $(VENV) build *.egg-info .mutation
