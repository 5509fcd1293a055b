# Two commands for a newcomer: `make run` (install, ingest, serve) and `make test` (install, lint, tests, eval gate).
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export ANONYMIZED_TELEMETRY=False
export GRADIO_ANALYTICS_ENABLED=False

.PHONY: install run test lint unit eval bench browser clean

# Every dependency is a prebuilt wheel (the LLM runtime is xllamacpp): nothing compiles, no C compiler or CMake.
# torch first, pinned and by pip: pip finds the CPU wheel on the machine; an unpinned torch pulls a multi-GB CUDA build.
# The rest by uv, which keeps that torch (it satisfies torch>=2.3) and downloads and unpacks in parallel:
# about 15 s instead of pip's 3 minutes for the 1.4 GB of wheels, most of them the LLM's. Files are copied, not
# hard-linked from uv's cache: nltk (under llama-index) refuses to open a multiply-linked data file.
$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q torch==2.13.0 'uv>=0.5'
	$(VENV)/bin/uv pip install --link-mode copy --python $(PYTHON) -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/rag serve

test: install lint unit eval

lint: install
	$(VENV)/bin/ruff check rag tests eval bench app.py
	$(VENV)/bin/mypy

unit: install browser
	$(PYTHON) -m pytest

# The browser test drives Debian's chromium (never `playwright install`); CI runs as root, so it is installed when missing.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else echo "WARNING: /usr/bin/chromium is missing and apt-get as root is unavailable: the browser test will be SKIPPED."; fi

eval: install
	$(VENV)/bin/rag eval --gate

# Figures for docs/benchmarks.md and docs/benchmarks.png (~15-20 min on 2 cores); not part of `make test`.
bench: install
	$(PYTHON) -m bench

clean:
	rm -rf .rag eval/results
