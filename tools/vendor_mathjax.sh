#!/usr/bin/env bash
# Refresh the vendored MathJax in _static/mathjax from the npm registry (maintainers only;
# the build itself never downloads anything).  Usage: tools/vendor_mathjax.sh 3.2.2
set -euo pipefail
version=${1:?usage: tools/vendor_mathjax.sh VERSION}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
(cd "$tmp" && npm pack "mathjax@$version" >/dev/null && tar xzf mathjax-*.tgz)
rm -rf _static/mathjax/output _static/mathjax/tex-chtml-full.js
mkdir -p _static/mathjax/output/chtml/fonts
cp "$tmp/package/es5/tex-chtml-full.js" _static/mathjax/
cp -r "$tmp/package/es5/output/chtml/fonts/woff-v2" _static/mathjax/output/chtml/fonts/
cp "$tmp/package/LICENSE" _static/mathjax/LICENSE
sed -i "s/MathJax [0-9.]*/MathJax $version/; s/mathjax@[0-9.]*/mathjax@$version/" _static/mathjax/README.md
rm -rf "$tmp"
echo "vendored MathJax $version"
