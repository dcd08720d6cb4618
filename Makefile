# Everything a fresh machine needs, from python3 and git alone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: demo test lint typecheck workflows shared site serve bench mutate clean

# What running needs (demo, site, serve); the test extras (playwright, mypy, ...) only for test.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

demo: $(STAMP)
	$(BIN)/opsledger validate
	$(BIN)/opsledger metrics
	$(BIN)/python -m opsledger.demo
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	@echo "Site built in public/: open public/index.html, or run 'make serve' for http://127.0.0.1:8000"

test: $(TEST_STAMP) lint typecheck workflows
	$(BIN)/pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check tools

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

# zizmor audits the GitHub workflows (pinning, permissions, credentials, injection); it exits
# non-zero on any finding. --offline: no network, so every audit is one that runs here.
workflows: $(TEST_STAMP)
	$(BIN)/zizmor --offline .github/workflows

# The files every ledger made by `opsledger init` shares with this repository (workflows,
# schemas, editor settings) are written from the package: edit them in
# tools/opsledger/templates/skeleton or tools/opsledger/schemas, then run this.
shared: $(STAMP)
	$(BIN)/python -m opsledger.scaffold .

site: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(TEST_STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# The ledger at scale beside check-jsonschema, one table (benchmarks/run.py --help);
# e.g. make bench BENCH_ARGS=--quick. The site benchmark alone: benchmarks/site_build.py.
bench: $(BENCH_STAMP)
	nice -n 10 $(BIN)/python benchmarks/run.py $(BENCH_ARGS)

MUTATION_STAMP := $(VENV)/.mutation-installed

$(MUTATION_STAMP): $(TEST_STAMP)
	$(BIN)/pip install --quiet -e '.[test,mutation]'
	touch $(MUTATION_STAMP)

# Mutation testing of the merge gate (lifecycle, transitions, requirements, signoffs) in a
# scratch copy; prints the surviving mutants (tools/mutation/run.py --help).
mutate: $(MUTATION_STAMP)
	$(BIN)/python tools/mutation/run.py $(MUTATE_ARGS)

clean:
	rm -rf $(VENV) public .pytest_cache .mypy_cache .ruff_cache
