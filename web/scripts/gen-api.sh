#!/usr/bin/env bash
# The console's API types come from the gateway's merged OpenAPI document, exported without
# running servers (python -m tools.openapi_export), so a change of the API that the console
# does not follow fails `vue-tsc --noEmit` in the build. (--default-non-nullable false: a field
# with a default is optional in a request, as the API takes it.)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
python="${CRM_PYTHON:-$root/.venv/bin/python}"
[[ -x "$python" ]] || python=python3
cd "$root"
"$python" -m tools.openapi_export "$here/src/api/openapi.json"
cd "$here"
node_modules/.bin/openapi-typescript src/api/openapi.json -o src/api/schema.d.ts --alphabetize --default-non-nullable false >/dev/null
echo "gen:api: src/api/schema.d.ts from the gateway's OpenAPI document"
