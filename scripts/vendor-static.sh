#!/usr/bin/env bash
# How the vendored browser libraries were fetched (no CDN at run time): from the npm registry.
set -euo pipefail
dest=src/simrenew/web/static/simrenew/vendor
tmp=$(mktemp -d)
(cd "$tmp" && npm pack htmx.org@2.0.11 --silent && tar xzf htmx.org-2.0.11.tgz)
cp "$tmp/package/dist/htmx.min.js" "$dest/htmx-2.0.11.min.js"
cp "$tmp/package/LICENSE" "$dest/htmx-LICENSE.txt"
rm -rf "$tmp"

# Swagger UI for /api/docs (the template ninja/swagger.html; our start script is simrenew/api-docs.js).
# The source-map comments go: the maps are not shipped, and the production static storage would look for them.
swagger=5.35.0
tmp=$(mktemp -d)
(cd "$tmp" && npm pack "swagger-ui-dist@$swagger" --silent && tar xzf "swagger-ui-dist-$swagger.tgz")
mkdir -p "$dest/swagger-ui-$swagger"
for file in swagger-ui-bundle.js swagger-ui.css; do
  sed '/sourceMappingURL=/d' "$tmp/package/$file" >"$dest/swagger-ui-$swagger/$file"
done
cp "$tmp/package/swagger-ui-bundle.js.LICENSE.txt" "$tmp/package/LICENSE" "$tmp/package/NOTICE" "$dest/swagger-ui-$swagger/"
rm -rf "$tmp"

# axe-core, for the accessibility browser tests only (tests/browser/test_accessibility.py injects it into
# each page); never served by the site.
axe=4.14.1
tmp=$(mktemp -d)
(cd "$tmp" && npm pack "axe-core@$axe" --silent && tar xzf "axe-core-$axe.tgz")
mkdir -p tests/browser/vendor
cp "$tmp/package/axe.min.js" "tests/browser/vendor/axe-$axe.min.js"
cp "$tmp/package/LICENSE" "tests/browser/vendor/axe-LICENSE.txt"
cp "$tmp/package/LICENSE-3RD-PARTY.txt" "tests/browser/vendor/axe-LICENSE-3RD-PARTY.txt"
rm -rf "$tmp"
