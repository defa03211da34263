# Two commands set everything up on a machine with only Python >= 3.11:
#   make demo   create .venv, install, load the sample minutes, answer a sample question
#   make test   create .venv, install, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLOCK_SHIFT_HOURS ?= 15

.PHONY: install demo test bench bench-quick bench-slack clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/python -m bot ingest samples/rumoi-2025-10-08.txt
	$(BIN)/python -m bot ask "what did 苫前町長 say about foreign workers"
	$(BIN)/python -m bot ask "奨学金について話したのは誰"

# Lint and format (ruff), the suite, then the suite again with every process's clock moved by hours and another time zone:
# a test that passes only at some hours of the day fails in one of the two runs.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q
	TZ=America/Los_Angeles TEST_CLOCK_SHIFT_HOURS=$(CLOCK_SHIFT_HOURS) PYTHONPATH=$(CURDIR)/tests/clock_shift \
		$(BIN)/python -m pytest -q

# Benchmarks are not tests: they print numbers (docs/benchmarks.md keeps the latest).
# Both corpus profiles (real, old); the real one draws clauses from ../shared/minutes when present.
bench: install
	$(BIN)/python bench/run.py

bench-quick: install
	$(BIN)/python bench/run.py --quick

# The Slack path: signed /remarks → response_url post, 200 questions, HTTP mode against the fake Slack.
bench-slack: install
	$(BIN)/python bench/slack_path.py

clean:
	rm -rf $(VENV) data .pytest_cache
