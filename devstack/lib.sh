# Shared helpers for the devstack scripts; sourced, not run.
# shellcheck shell=bash

DEVSTACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$DEVSTACK_DIR/.." && pwd)"
# shellcheck disable=SC2034  # used by the scripts that source this file
STATE_DIR="$ROOT/.devstack"
# Seconds to wait for a server to answer after starting it.
# shellcheck disable=SC2034
DEVSTACK_TIMEOUT="${CRM_DEVSTACK_TIMEOUT:-90}"

say() { printf '[devstack] %s\n' "$*" >&2; }
die() { printf '[devstack] error: %s\n' "$*" >&2; exit 1; }

# The interpreter for probe.py: the project's virtualenv when it exists (it has
# pymongo), otherwise any python3; empty when there is none.
probe_python() {
    if [[ -x "$ROOT/.venv/bin/python" ]]; then
        echo "$ROOT/.venv/bin/python"
    elif command -v python3 >/dev/null 2>&1; then
        command -v python3
    fi
}

# probe mongo|amqp PORT -> exit 0 when that protocol answers on 127.0.0.1:PORT.
probe() {
    local kind="$1" port="$2" py
    py="$(probe_python)"
    if [[ -n "$py" ]]; then
        "$py" "$DEVSTACK_DIR/probe.py" "$kind" 127.0.0.1 "$port"
    else
        # No Python at all: an open port is the best we can tell.
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# port_open PORT -> exit 0 when anything accepts a TCP connection there.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pid_alive PIDFILE NAME -> exit 0 when the pid in PIDFILE runs a command containing NAME.
pid_alive() {
    local pidfile="$1" name="$2" pid
    [[ -s "$pidfile" ]] || return 1
    pid="$(<"$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name"
}

# as_root CMD... -> run CMD as root (directly, or through sudo).
as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}
