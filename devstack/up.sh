#!/usr/bin/env bash
# Start the backing servers (FerretDB, RabbitMQ); each is left alone when already running.
# The ports come from CRM_FERRETDB_PORT and CRM_AMQP_PORT (see ferretdb.sh, rabbitmq.sh).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
# Side by side: on a fresh machine the RabbitMQ apt-get install and the FerretDB Go build
# each take a minute or so, and neither needs the other.
bash "$here/rabbitmq.sh" start &
rabbit_pid=$!
ferret_status=0
bash "$here/ferretdb.sh" start || ferret_status=$?
rabbit_status=0
wait "$rabbit_pid" || rabbit_status=$?
((ferret_status == 0)) || echo "[devstack] FerretDB failed to start" >&2
((rabbit_status == 0)) || echo "[devstack] RabbitMQ failed to start" >&2
((ferret_status == 0 && rabbit_status == 0))
