#!/usr/bin/env bash
# How the vendored browser libraries were fetched (no CDN at run time): from the npm registry.
set -euo pipefail
dest=src/simrenew/web/static/simrenew/vendor
tmp=$(mktemp -d)
(cd "$tmp" && npm pack htmx.org@2.0.11 --silent && tar xzf htmx.org-2.0.11.tgz)
cp "$tmp/package/dist/htmx.min.js" "$dest/htmx-2.0.11.min.js"
cp "$tmp/package/LICENSE" "$dest/htmx-LICENSE.txt"
rm -rf "$tmp"
