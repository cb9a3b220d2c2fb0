#!/usr/bin/env bash
# Chromium for the console's browser tests (tests/browser), from Debian's packages: no
# browser is downloaded by Playwright (it cannot be here), the tests point Playwright at
# /usr/bin/chromium.
#
#   devstack/chromium.sh        installs chromium with apt-get when it is missing (idempotent)
#
# Environment: CRM_CHROMIUM (default /usr/bin/chromium) — a browser already elsewhere.
# Needs root (or passwordless sudo) the first time.
set -euo pipefail
# shellcheck source=devstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BROWSER="${CRM_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$BROWSER" ]]; then
    exit 0
fi
command -v apt-get >/dev/null 2>&1 || die "$BROWSER is missing and there is no apt-get; install Chromium yourself (CRM_CHROMIUM=path)"
started=$SECONDS
say "installing chromium with apt-get (first run only)"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
# fonts-noto-cjk: the console is in Chinese; without a CJK font screenshots show boxes.
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    chromium chromium-driver fonts-noto-cjk </dev/null
[[ -x "$BROWSER" ]] || die "chromium installed but $BROWSER is missing"
say "installed chromium in $((SECONDS - started))s"
