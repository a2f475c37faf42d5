# The two commands a reader needs: `make book` and `make test`. Both create .venv on first use.
# Also: `make student` (the edition without solutions), `make notebooks` (executed .ipynb copies
# of the chapters for learners, in notebooks/), `make lab` (JupyterLab on notebooks/),
# `make check` (lint and the tests that need no book build but the slowest, in under a minute
# on two cores), `make test-browser` (every page in headless Chromium, and the PDF),
# `make assignments` (graded assignments for otter-grader), `make pdf` (the book as one PDF).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BUILD_FLAGS := -W -n --keep-going
PINS   := $(VENV)/.pins
# jupyter-cache keys on the code cells only: a change in lib/ or data/, or in a pinned package,
# would leave stale outputs in the book. Key the cache on a hash of all three and, when it
# changes, drop the cache and Sphinx's saved environment (without the latter Sphinx would not
# even re-read a page).
# Everything the pages are built from (the chapters, the back matter, the library, data,
# configuration, static files, extensions and tools): `make book` rebuilds when it changes.
BOOK_HASH = $(shell { find chapters lib answers data _static _ext tools -type f \
	-not -path '*/__pycache__/*' -not -path '*.egg-info/*' | LC_ALL=C sort; \
	ls *.md *.yml *.bib *.txt pyproject.toml; } | xargs cat | sha256sum | cut -c1-16)
BOOK_STAMP := _build/.book-hash
BOOK_LOG := _build/book.log
SOURCE_HASH = $(shell { find lib answers data -type f \( -name '*.py' -o -name '*.csv' -o -name '*.json' -o -name '*.md' \) | LC_ALL=C sort; echo requirements.txt; } | xargs cat | sha256sum | cut -c1-16)

BROWSER_STAMP := $(VENV)/.browser-installed
# JupyterLab lives in a venv of its own, .venv-lab: the book's pins first (its kernel runs the
# chapters exactly as the build does), then requirements-lab.txt. .venv stays what the book
# needs, so `make book` and `make test` install nothing for the lab.
# JupyterLite (the chapters' launch buttons) is built with its own pins in .venv-lite, so
# that the book's environment carries no Jupyter server (tools/lite_site.py).
LITE       := .venv-lite
LITE_STAMP := $(LITE)/.installed
LAB       := .venv-lab
LAB_STAMP := $(LAB)/.installed
LAB_FLAGS ?=
# Jupyter refuses to run as root unless told (a container, CI).
LAB_ROOT  := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: book student notebooks lab test test-without-build test-build check test-browser clean source-hash lint assignments pdf

# A changed pin rebuilds the environment from nothing, so that a package dropped from the pins
# does not linger in it (pip install -r only ever adds).
$(PINS): requirements.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# The library and, beside it, the exercises' answers (a distribution of their own, found by
# the library through its entry point; the wheel students are given holds only lib/).
$(STAMP): $(PINS) pyproject.toml answers/pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation -e . -e answers
	touch $@

$(LITE_STAMP): requirements-lite.txt
	rm -rf $(LITE)
	$(PYTHON) -m venv $(LITE)
	$(LITE)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-lite.txt
	touch $@

# With nothing it is built from changed since its last good build, `make book` builds nothing
# and shows that build's log (tests read it), so that `make student`, `make pdf` and the tests
# do not rewrite the pages while another process (the browser test) reads them.
book: $(STAMP) $(LITE_STAMP)
	@mkdir -p _build
	@if [ -f _build/html/index.html ] && [ "$$(cat $(BOOK_STAMP) 2>/dev/null)" = "$(BOOK_HASH)" ]; \
	then echo "book: nothing changed since the build whose log follows ($(BOOK_LOG))"; \
		cat $(BOOK_LOG); exit 0; fi; \
	rm -f $(BOOK_STAMP); \
	if [ "$$(cat _build/.source-hash 2>/dev/null)" != "$(SOURCE_HASH)" ]; then \
		rm -rf _build/.jupyter_cache _build/.doctrees _build/jupyter_execute; \
		echo "lib/ or data/ changed: executing every chapter afresh"; fi; \
	echo "WTC_BOOK_BUILD=1 $(BIN)/jupyter-book build . --builder html $(BUILD_FLAGS)" \
		> $(BOOK_LOG); \
	{ WTC_BOOK_BUILD=1 $(BIN)/jupyter-book build . --builder html $(BUILD_FLAGS); \
		echo $$? > _build/.book-status; } 2>&1 | tee -a $(BOOK_LOG); \
	[ "$$(cat _build/.book-status)" = 0 ] || exit 1; \
	echo "$(SOURCE_HASH)" > _build/.source-hash; \
	$(BIN)/python tools/lite_site.py && echo "$(BOOK_HASH)" > $(BOOK_STAMP)

$(BROWSER_STAMP): $(STAMP) requirements-browser.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	touch $@

student: book
	$(BIN)/python tools/student_edition.py

# Graded assignments in otter-grader's format, one folder per chapter (tools/assignments.py).
# The registry is checked first, so a bad entry fails in one line before the long build.
assignments: $(STAMP)
	$(BIN)/python tools/assignments.py --check-registry
	@$(MAKE) --no-print-directory book
	$(BIN)/python tools/assignments.py

# The book as one PDF: the single-page HTML build (the same cache as `make book`), printed by
# headless Chromium once MathJax has typeset it (tools/pdf.py says why not LaTeX).
pdf: book
	$(BIN)/python tools/pdf.py --build

# One way, chapters/ -> notebooks/: the executed notebooks the pages offer, every glued value
# and figure shown. A notebook the learner changed is kept (FRESH=1 overwrites it); nothing is
# written to chapters/. Builds the book first only if its output is missing or stale.
notebooks: $(STAMP)
	$(BIN)/python tools/learner_notebooks.py $(if $(FRESH),--fresh)

$(LAB_STAMP): requirements.txt requirements-lab.txt pyproject.toml answers/pyproject.toml
	rm -rf $(LAB)
	$(PYTHON) -m venv $(LAB)
	$(LAB)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r requirements.txt -r requirements-lab.txt
	$(LAB)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation -e . -e answers
	touch $@

# JupyterLab on the learner notebooks (written first by `make notebooks`). LAB_FLAGS go to it,
# e.g. `make lab LAB_FLAGS=--no-browser`.
lab: $(LAB_STAMP) notebooks
	$(LAB)/bin/jupyter-lab --ServerApp.root_dir=notebooks $(LAB_ROOT) $(LAB_FLAGS)

# Two at a time on two cores: the book builds (one kernel at a time) beside the tests that
# need no build; then the build's own tests beside the tests that need Chromium (every page
# in the browser, and the PDF), which run only where it is installed (.ci/run installs it). The book is not rebuilt under the browser
# test: with nothing changed, `make book` builds nothing.
test: $(STAMP) lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target book test-without-build
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-build test-browser

test-without-build: $(STAMP)
	$(BIN)/python -m pytest -m "library or chapters"

test-build: $(STAMP)
	$(BIN)/python -m pytest -m "build"

# A developer's inner loop: lint and every test that needs no book build (tests/library and
# tests/chapters) but the slow ones (two refits, the what-if grids), which make test runs.
check: $(STAMP) lint
	$(BIN)/python -m pytest -q -m "(library or chapters) and not slow"

# ruff, pinned: the library, tests, tools and the book's extensions (_ext) linted and formatted
# (width 100), and every code cell of the chapters formatted to the text column (width 88,
# tools/format_cells.py).
lint: $(STAMP)
	$(BIN)/ruff check lib answers tests tools benchmarks _ext
	$(BIN)/ruff format --check --quiet lib answers tests tools benchmarks _ext
	$(BIN)/python tools/format_cells.py --check

test-browser: $(STAMP)
	@if command -v chromium >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(BROWSER_STAMP) && \
		$(BIN)/python -m pytest -m browser tests/browser; \
	else \
		echo "browser test skipped: Chromium is not installed (apt-get install chromium)"; \
	fi

clean:
	rm -rf _build

# What the book's cache is keyed on now (tests compare it with _build/.source-hash).
source-hash:
	@echo "$(SOURCE_HASH)"
