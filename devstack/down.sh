#!/usr/bin/env bash
# Stop the backing servers devstack started; servers it did not start keep running.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
status=0
bash "$here/ferretdb.sh" stop || status=$?
bash "$here/rabbitmq.sh" stop || status=$?
exit "$status"
