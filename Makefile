# Everything a new machine needs comes from here: `make test` needs only python3 (3.11+) and make.
#
# Tool versions are locked in requirements/ (see requirements/README.md): uv installs exactly the locked set into
# .venv, so every machine runs the same ruff, mypy, pytest and langchain-core. `make lock` refreshes the locks; that
# is a reviewed commit, never a side effect of a test run.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEV_LOCK := requirements/dev.txt
BUILD_LOCK := requirements/build.txt
# uv must use the machine's interpreter, never fetch one of its own.
export UV_PYTHON_DOWNLOADS := never

# A venv is synced again whenever its lock or pyproject.toml changes.
sync_stamp = $(1)/.synced-$(shell cat $(2) pyproject.toml | cksum | cut -d' ' -f1)
STAMP := $(call sync_stamp,$(VENV),$(DEV_LOCK))

# $(call sync_venv,VENV,LOCK): the venv holds exactly the lock's packages, plus this checkout (editable).
define sync_venv
	test -x $(1)/bin/python || $(UV) venv --quiet --python $(PYTHON) $(1)
	$(UV) pip sync --quiet --python $(1)/bin/python $(2)
	$(UV) pip install --quiet --python $(1)/bin/python --no-deps --build-constraint $(BUILD_LOCK) -e .
	rm -f $(1)/.synced-*
	touch $(call sync_stamp,$(1),$(2))
endef

.PHONY: test unit integration lint typecheck demo bench docs docs-examples clean install lock lock-check \
	test-matrix test-lowest test-newest package smoke-wheel conformance

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)

$(STAMP): $(UV) $(DEV_LOCK) $(BUILD_LOCK) pyproject.toml
	$(call sync_venv,$(VENV),$(DEV_LOCK))

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy langchain_gemini

# The test suites, parameterised by the venv they run in ($(1)), so the matrix runs exactly what `make test` runs.
unit_tests = $(1)/bin/python -m pytest tests/unit -q -p no:cacheprovider --disable-socket --allow-unix-socket \
	--timeout 120 --benchmark-disable
integration_tests = $(1)/bin/python -m pytest tests/integration -q -p no:cacheprovider \
	--allow-hosts=127.0.0.1,localhost,::1 --timeout 300
# Every Python example in README.md, docs/ and the public docstrings, run against the emulator
# (see tests/docs/plugin.py).
DOCSTRING_EXAMPLES := langchain_gemini/chat_models.py langchain_gemini/embeddings.py langchain_gemini/files.py langchain_gemini/caches.py langchain_gemini/batches.py \
	langchain_gemini/testing/_server.py
docs_examples = $(1)/bin/python -m pytest -p tests.docs.plugin -p no:recording --markdown-docs \
	--markdown-docs-syntax=superfences README.md docs $(DOCSTRING_EXAMPLES) tests/docs/test_plugin.py -q -p no:cacheprovider \
	--allow-hosts=127.0.0.1,localhost,::1 --timeout 300

unit: $(STAMP)
	$(call unit_tests,$(VENV))

integration: $(STAMP)
	$(call integration_tests,$(VENV))
	$(call docs_examples,$(VENV))

docs-examples: $(STAMP)
	$(call docs_examples,$(VENV))

test: lint lock-check typecheck unit integration docs

# The emulator against its judges (tests/conformance/__main__.py): (a) recorded real traffic accepted and rejected
# as Google did, (b) answers in Google's shape, (c) google-genai's battery. Reads ../shared/realwire (or
# $GEMINI_REALWIRE_DIR) when present; without it only (c) runs, and it says so.
conformance: $(STAMP)
	$(BIN)/python -m tests.conformance

# The test suites against both ends of the runtime dependency ranges (requirements/lowest.txt, newest.txt), each
# in its own venv.
MATRIX_ENDS := lowest newest
test-matrix: $(addprefix test-,$(MATRIX_ENDS))

define matrix_end
.venv-$(1)/.synced-$$(shell cat requirements/$(1).txt pyproject.toml | cksum | cut -d' ' -f1): $$(UV) \
		requirements/$(1).txt $$(BUILD_LOCK) pyproject.toml
	$$(call sync_venv,.venv-$(1),requirements/$(1).txt)

test-$(1): .venv-$(1)/.synced-$$(shell cat requirements/$(1).txt pyproject.toml | cksum | cut -d' ' -f1)
	@.venv-$(1)/bin/python -c "import importlib.metadata as m; \
		print('$(1) end:', ', '.join(f'{d} {m.version(d)}' for d in ('langchain-core', 'httpx', 'pydantic', 'filetype')))"
	$$(call unit_tests,.venv-$(1))
	$$(call integration_tests,.venv-$(1))
	$$(call docs_examples,.venv-$(1))
endef
$(foreach end,$(MATRIX_ENDS),$(eval $(call matrix_end,$(end))))

# Refresh every lock to the newest versions pyproject.toml allows. Review the diff and commit it on its own.
LOCK_ARGS := --universal --python-version 3.11 --quiet --custom-compile-command "make lock"
lock: $(UV)
	$(UV) pip compile pyproject.toml --all-extras --generate-hashes --upgrade $(LOCK_ARGS) -o $(DEV_LOCK)
	$(UV) pip compile pyproject.toml --extra test --generate-hashes --upgrade $(LOCK_ARGS) -o requirements/newest.txt
	$(UV) pip compile pyproject.toml --extra test --generate-hashes --upgrade --resolution lowest-direct \
		$(LOCK_ARGS) -o requirements/lowest.txt
	$(UV) pip compile requirements/build.in --upgrade $(LOCK_ARGS) -o $(BUILD_LOCK)

# Fails when pyproject.toml changed without `make lock`: each lock must still be what resolving it again gives.
lock-check: $(UV)
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	for lock in $(DEV_LOCK) requirements/newest.txt requirements/lowest.txt $(BUILD_LOCK); do cp $$lock $$tmp/; done && \
	$(UV) pip compile pyproject.toml --all-extras --generate-hashes $(LOCK_ARGS) -o $$tmp/dev.txt && \
	$(UV) pip compile pyproject.toml --extra test --generate-hashes $(LOCK_ARGS) -o $$tmp/newest.txt && \
	$(UV) pip compile pyproject.toml --extra test --generate-hashes --resolution lowest-direct $(LOCK_ARGS) \
		-o $$tmp/lowest.txt && \
	$(UV) pip compile requirements/build.in $(LOCK_ARGS) -o $$tmp/build.txt && \
	for lock in dev newest lowest build; do \
		diff -u requirements/$$lock.txt $$tmp/$$lock.txt || { echo "requirements/$$lock.txt is stale: run make lock"; exit 1; }; \
	done

# An sdist and a wheel in dist/, built by `python -m build` with the locked build backend.
package: $(STAMP)
	rm -rf dist
	PIP_CONSTRAINT=$(BUILD_LOCK) $(BIN)/python -m build --outdir dist . >/dev/null
	@ls dist

# The wheel as a user gets it: a clean venv, `pip install` of the wheel alone, then import, construct, invoke.
smoke-wheel: package $(UV)
	rm -rf .venv-smoke
	$(PYTHON) -m venv .venv-smoke
	$(UV) pip install --quiet --python .venv-smoke/bin/python --constraint requirements/newest.txt dist/*.whl
	cd "$$(mktemp -d)" && $(CURDIR)/.venv-smoke/bin/python $(CURDIR)/tests/smoke/smoke_wheel.py

demo: $(STAMP)
	$(BIN)/python -m langchain_gemini.demo

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# NO_MKDOCS_2_WARNING silences Material's end-of-life banner, which is not a build warning.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The built site in a real browser (tests/docs/layout.py, over the Chrome DevTools Protocol): at a 1280 px window
# no code block or table may scroll sideways and no inline code may be cut in two; screenshots of the home,
# quickstart, tools and migration pages land in build/docs-check/. Needs Debian's chromium, installed when missing.
.PHONY: docs-check chromium
DOCS_CHECK_DIR := build/docs-check
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

docs-check: $(STAMP) chromium
	$(BIN)/python -m pytest tests/docs/test_layout.py -q -p no:cacheprovider --allow-hosts=127.0.0.1,localhost,::1 \
		--timeout 300
	rm -rf $(DOCS_CHECK_DIR)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(DOCS_CHECK_DIR)/site
	$(BIN)/python -m tests.docs.layout $(DOCS_CHECK_DIR)/site --screenshots $(DOCS_CHECK_DIR)

clean:
	rm -rf $(VENV) .venv-lowest .venv-newest .venv-smoke $(TOOLS) dist site .mypy_cache .ruff_cache
