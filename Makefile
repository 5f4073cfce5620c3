# Everything a new machine needs: `make test` builds .venv with the machine's python3 when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: test unit integration lint typecheck demo bench docs docs-examples clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,lint,docs]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy langchain_gemini

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q -p no:cacheprovider --disable-socket --allow-unix-socket --timeout 120 --benchmark-disable

# Every Python example in README.md, docs/ and the public docstrings, run against the emulator
# (see tests/docs/plugin.py).
DOCSTRING_EXAMPLES := langchain_gemini/chat_models.py langchain_gemini/embeddings.py langchain_gemini/files.py \
	langchain_gemini/testing/_server.py
DOCS_EXAMPLES := $(BIN)/python -m pytest -p tests.docs.plugin -p no:recording --markdown-docs \
	--markdown-docs-syntax=superfences README.md docs $(DOCSTRING_EXAMPLES) tests/docs -q -p no:cacheprovider \
	--allow-hosts=127.0.0.1,localhost,::1 --timeout 300

integration: $(STAMP)
	$(BIN)/pytest tests/integration -q -p no:cacheprovider --allow-hosts=127.0.0.1,localhost,::1 --timeout 300
	$(DOCS_EXAMPLES)

docs-examples: $(STAMP)
	$(DOCS_EXAMPLES)

test: lint typecheck unit integration docs

demo: $(STAMP)
	$(BIN)/python -m langchain_gemini.demo

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

# NO_MKDOCS_2_WARNING silences Material's end-of-life banner, which is not a build warning.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) site .mypy_cache .ruff_cache
