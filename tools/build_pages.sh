#!/usr/bin/env bash
# Build a few pages of the book on their own, strictly, into a private folder, so that several
# people (or helpers) can check their chapters at once without touching _build/.
#   tools/build_pages.sh OUTDIR chapters/02-flops-per-token [chapters/03-...]
# Output: OUTDIR/_build/html. The intro, notation and bibliography are always included.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1; shift
mkdir -p "$out"
toc="$out/_toc.yml"
{
  echo "format: jb-book"
  echo "root: intro"
  echo "parts:"
  echo "  - caption: Pages under test"
  echo "    numbered: true"
  echo "    chapters:"
  for page in "$@"; do echo "      - file: ${page%.md}"; done
  echo "  - caption: Back matter"
  echo "    chapters:"
  echo "      - file: notation"
  echo "      - file: glossary"
  echo "      - file: bibliography"
} > "$toc"
WTC_BOOK_BUILD=1 .venv/bin/jupyter-book build . --toc "$toc" --path-output "$out" --builder html -W -n --keep-going
