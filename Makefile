# The two commands a reader needs: `make book` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BUILD_FLAGS := -W -n --keep-going
# jupyter-cache keys on the code cells only: a change in lib/ or data/ would leave stale
# outputs in the book. Key the cache on a hash of both and drop it when they change.
SOURCE_HASH = $(shell find lib data -type f \( -name '*.py' -o -name '*.csv' -o -name '*.json' -o -name '*.md' \) | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)

.PHONY: book test clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation -e .
	touch $@

book: $(STAMP)
	@mkdir -p _build
	@if [ "$$(cat _build/.source-hash 2>/dev/null)" != "$(SOURCE_HASH)" ]; then \
		rm -rf _build/.jupyter_cache; echo "lib/ or data/ changed: executing every chapter afresh"; fi
	$(BIN)/jupyter-book build . --builder html $(BUILD_FLAGS)
	@echo "$(SOURCE_HASH)" > _build/.source-hash

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf _build
