#!/usr/bin/env bash
# RabbitMQ for local development and tests, from Debian's rabbitmq-server package.
#
#   devstack/rabbitmq.sh start|stop|status
#
# start   installs rabbitmq-server with apt-get when it is missing, starts a node bound
#         to 127.0.0.1 with `rabbitmq-server -detached` and waits for
#         `rabbitmq-diagnostics ping` and `rabbitmqctl await_startup`. When a broker
#         already answers AMQP on the port (an init-started one, one started by hand)
#         it says so and succeeds.
# stop    stops the node this script started; leaves any other broker alone.
# status  exit 0 when an AMQP broker answers on the port, 3 when not.
#
# Environment:
#   CRM_AMQP_PORT            AMQP port (default 5672)
#   CRM_RABBITMQ_NODENAME    node name (default "rabbit" on 5672, "crm<port>" on other
#                            ports so a second node can run beside the first)
#   CRM_DEVSTACK_TIMEOUT     seconds to wait for the node (default 90)
#
# Needs root (or passwordless sudo): the Debian scripts run the node as the rabbitmq user.
set -euo pipefail
# shellcheck source=devstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${CRM_AMQP_PORT:-5672}"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "CRM_AMQP_PORT must be a port number, got '$PORT'"
if [[ "$PORT" == 5672 ]]; then
    NODE="${CRM_RABBITMQ_NODENAME:-rabbit}"
else
    NODE="${CRM_RABBITMQ_NODENAME:-crm$PORT}"
fi
MARKER="$STATE_DIR/rabbitmq-$PORT.started"
SHORT_HOST="$(hostname -s 2>/dev/null || hostname)"

# The Debian wrappers live in /usr/sbin, which a non-root PATH may lack.
rmq() {
    local cmd="$1"
    shift
    local path
    path="$(command -v "$cmd" 2>/dev/null || true)"
    [[ -n "$path" ]] || path="/usr/sbin/$cmd"
    as_root "$path" "$@"
}

installed() { command -v rabbitmq-server >/dev/null 2>&1 || [[ -x /usr/sbin/rabbitmq-server ]]; }

node_pings() { rmq rabbitmq-diagnostics -q -n "$NODE" ping --timeout 5 >/dev/null 2>&1; }

under_systemd() { [[ -d /run/systemd/system ]]; }

install_rabbitmq() {
    command -v apt-get >/dev/null 2>&1 || die "rabbitmq-server is not installed and there is no apt-get; install RabbitMQ >= 3.10 yourself"
    local started=$SECONDS
    say "installing rabbitmq-server with apt-get (first run only)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rabbitmq-server </dev/null
    say "installed rabbitmq-server in $((SECONDS - started))s"
    # The package's postinst starts the service through init where it is allowed to,
    # listening on every interface. Outside systemd, replace that node with one bound
    # to loopback; under systemd it is a system service and we leave it to systemd.
    if ! under_systemd && NODE=rabbit node_pings; then
        say "the package started a node on all interfaces; stopping it to start one bound to 127.0.0.1"
        rmq rabbitmqctl -q -n rabbit stop >/dev/null 2>&1 || true
    fi
}

# Bind everything the node opens to loopback: AMQP always; epmd (4369) and the Erlang
# distribution port (AMQP port + 20000) too when this host's name resolves to a loopback
# address, because the CLI tools reach the node through that name.
loopback_env() {
    local ip
    ip="$(getent ahostsv4 "$SHORT_HOST" 2>/dev/null | awk 'NR == 1 { print $1 }')"
    ENVS=(
        "RABBITMQ_NODENAME=$NODE"
        "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
        "RABBITMQ_NODE_PORT=$PORT"
        "RABBITMQ_DIST_PORT=$((PORT + 20000))"
    )
    if [[ "$ip" == 127.* ]]; then
        ENVS+=(
            "ERL_EPMD_ADDRESS=$([[ "$ip" == 127.0.0.1 ]] && echo 127.0.0.1 || echo "127.0.0.1,$ip")"
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {${ip//./,}}"
        )
    else
        say "note: $SHORT_HOST resolves to '${ip:-nothing}', not loopback; epmd and the distribution port keep their defaults"
    fi
}

node_log() { echo "/var/log/rabbitmq/$NODE@$SHORT_HOST.log"; }

wait_ready() {
    local deadline=$((SECONDS + DEVSTACK_TIMEOUT))
    until node_pings; do
        if ((SECONDS >= deadline)); then
            as_root tail -n 30 "$(node_log)" >&2 2>/dev/null || true
            die "RabbitMQ node $NODE did not answer a ping within ${DEVSTACK_TIMEOUT}s (log: $(node_log))"
        fi
        sleep 1
    done
    rmq rabbitmqctl -q -n "$NODE" await_startup --timeout "$DEVSTACK_TIMEOUT" >/dev/null
    until probe amqp "$PORT"; do
        if ((SECONDS >= deadline)); then
            die "RabbitMQ node $NODE is up but AMQP does not answer on 127.0.0.1:$PORT"
        fi
        sleep 0.5
    done
}

do_start() {
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/rabbitmq-$PORT.lock"
    flock -w 600 9 || die "another devstack start on port $PORT holds the lock"

    if probe amqp "$PORT"; then
        if [[ -e "$MARKER" ]]; then
            say "RabbitMQ already running on 127.0.0.1:$PORT (node $NODE, started by devstack)"
        else
            say "an AMQP broker already answers on port $PORT; using it"
        fi
        return 0
    fi
    if port_open "$PORT"; then
        die "port $PORT is taken by something that does not speak AMQP; set CRM_AMQP_PORT"
    fi

    installed || install_rabbitmq

    if node_pings; then
        # Booting (or just installed and started by init): wait for it.
        say "RabbitMQ node $NODE is running; waiting for it to finish starting"
        wait_ready
        say "RabbitMQ ready: amqp://guest:guest@127.0.0.1:$PORT//"
        return 0
    fi

    loopback_env
    local started=$SECONDS
    say "starting RabbitMQ node $NODE on 127.0.0.1:$PORT (log $(node_log))"
    # -detached daemonizes: Ctrl-C in the terminal that ran `make` does not reach it.
    as_root env "${ENVS[@]}" "$(command -v rabbitmq-server || echo /usr/sbin/rabbitmq-server)" -detached </dev/null 9>&-
    echo "$NODE" >"$MARKER"
    wait_ready
    say "RabbitMQ ready in $((SECONDS - started))s: amqp://guest:guest@127.0.0.1:$PORT//"
}

do_stop() {
    if [[ ! -e "$MARKER" ]]; then
        if probe amqp "$PORT"; then
            say "the AMQP broker on port $PORT was not started by devstack; leaving it running"
        else
            say "RabbitMQ on port $PORT is not running"
        fi
        return 0
    fi
    NODE="$(<"$MARKER")"
    if installed && node_pings; then
        say "stopping RabbitMQ node $NODE"
        rmq rabbitmqctl -q -n "$NODE" stop >/dev/null
    else
        say "RabbitMQ node $NODE is not running"
    fi
    rm -f "$MARKER"
}

do_status() {
    if probe amqp "$PORT"; then
        if [[ -e "$MARKER" ]]; then
            say "RabbitMQ running on 127.0.0.1:$PORT (node $(<"$MARKER"), started by devstack)"
        else
            say "an AMQP broker answers on port $PORT (not started by devstack)"
        fi
        return 0
    fi
    if ! installed; then
        say "rabbitmq-server is not installed (start installs it)"
    else
        say "nothing answers AMQP on 127.0.0.1:$PORT"
    fi
    return 3
}

case "${1:-}" in
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
