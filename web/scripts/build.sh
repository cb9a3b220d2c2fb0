#!/usr/bin/env bash
# Builds the console into web/dist once, and again only when its inputs change: the sources,
# the locked dependencies, or the API's OpenAPI document (exported offline every time, ~2 s,
# so an API change the console no longer fits fails here, in vue-tsc). Used by `make console`
# (which `make run` and `make test` depend on) and by tests/browser/conftest.py.
#
#   web/scripts/build.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
say() { printf '[console] %s\n' "$*" >&2; }

command -v node >/dev/null 2>&1 || { say "error: node (>= 20.19) is needed to build the console"; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || { say "error: node $(node -v) is too old: Vite needs >= 20.19"; exit 1; }

# Dependencies exactly as locked; again only when the lock changed.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/gen-api.sh >/dev/null
inputs() {
    find src -type f ! -name schema.d.ts | LC_ALL=C sort
    printf '%s\n' index.html vite.config.ts tsconfig.json env.d.ts package.json package-lock.json
    { find tests public -type f 2>/dev/null || true; } | LC_ALL=C sort
}
digest="$(inputs | xargs sha256sum | sha256sum | cut -d' ' -f1)"
stamp=dist/.build-stamp
if [[ "${1:-}" != "--force" && -f dist/index.html && -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
    say "web/dist is up to date"
    exit 0
fi
started=$SECONDS
say "unit tests (vitest), build (vite), type check (vue-tsc)"
node_modules/.bin/vitest run --reporter=dot
# vite first: it also refreshes components.d.ts / auto-imports.d.ts, which vue-tsc reads.
node_modules/.bin/vite build
if ! node_modules/.bin/vue-tsc --noEmit -p tsconfig.json; then
    rm -rf dist   # nothing unchecked is served: /console/ says "not built" until this passes
    say "error: the console does not type-check against the API (see above)"
    exit 1
fi
node scripts/compress.mjs
echo "$digest" > "$stamp"
say "built web/dist in $((SECONDS - started))s"
