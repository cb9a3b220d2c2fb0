#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol) for local development and tests.
#
#   devstack/ferretdb.sh start|stop|status
#
# start   builds .devstack/bin/ferretdb-dev from devstack/ferretdb when it is missing
#         or older than its sources, runs it in the background on 127.0.0.1 and waits
#         until it answers a MongoDB ping. When something already answers a ping on
#         the port (another FerretDB, a real mongod) it says so and succeeds.
# stop    stops the server this script started (pid file); leaves anything else alone.
# status  exit 0 when a MongoDB ping answers on the port, 3 when not.
#
# Environment:
#   CRM_FERRETDB_PORT            port (default 27017)
#   CRM_FERRETDB_DATA_DIR        SQLite data directory (default .devstack/ferretdb-data,
#                                .devstack/ferretdb-data-<port> for other ports)
#   CRM_FERRETDB_POSTGRESQL_URL  use the PostgreSQL backend instead of SQLite
#   CRM_FERRETDB_LOG_LEVEL       debug|info|warn|error (default warn)
#   CRM_DEVSTACK_RESET=1         wipe the SQLite data directory before starting
#   CRM_DEVSTACK_TIMEOUT         seconds to wait for the ping (default 90)
set -euo pipefail
# shellcheck source=devstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${CRM_FERRETDB_PORT:-27017}"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "CRM_FERRETDB_PORT must be a port number, got '$PORT'"
if [[ "$PORT" == 27017 ]]; then
    DATA_DIR="${CRM_FERRETDB_DATA_DIR:-$STATE_DIR/ferretdb-data}"
else
    DATA_DIR="${CRM_FERRETDB_DATA_DIR:-$STATE_DIR/ferretdb-data-$PORT}"
fi
PG_URL="${CRM_FERRETDB_POSTGRESQL_URL:-}"
LOG_LEVEL="${CRM_FERRETDB_LOG_LEVEL:-warn}"
SRC_DIR="$DEVSTACK_DIR/ferretdb"
BIN="$STATE_DIR/bin/ferretdb-dev"
PIDFILE="$STATE_DIR/ferretdb-$PORT.pid"
LOGFILE="$STATE_DIR/ferretdb-$PORT.log"
NAME="ferretdb-dev"

find_go() {
    if [[ -n "${GO:-}" ]]; then
        echo "$GO"
    elif command -v go >/dev/null 2>&1; then
        command -v go
    elif [[ -x /usr/local/go/bin/go ]]; then
        echo /usr/local/go/bin/go
    fi
}

needs_build() {
    [[ -x "$BIN" ]] || return 0
    local src
    for src in "$SRC_DIR/main.go" "$SRC_DIR/go.mod" "$SRC_DIR/go.sum" "$SRC_DIR"/patches/*.patch; do
        [[ "$src" -nt "$BIN" ]] && return 0
    done
    return 1
}

# FerretDB's module as the proxy serves it, with devstack/ferretdb/patches applied, in
# $STATE_DIR/ferretdb-src; a copy of go.mod replaces the module with it. The patches make
# the SQLite backend answer equality, membership and sorted pages from its indexes, and
# cut FerretDB's cost per document read (see devstack/ferretdb/patches/README.md); the
# module cache itself stays untouched.
patched_source() {
    local go="$1" dir src="$STATE_DIR/ferretdb-src" p
    dir="$(cd "$SRC_DIR" && GOFLAGS="${GOFLAGS:-} -mod=mod" "$go" mod download -json github.com/FerretDB/FerretDB \
           | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    [[ -n "$dir" && -d "$dir" ]] || die "could not download the FerretDB module"
    rm -rf "$src"
    cp -R "$dir" "$src"
    chmod -R u+w "$src"
    for p in "$SRC_DIR"/patches/*.patch; do
        [[ -e "$p" ]] || continue
        (cd "$src" && git apply -p1 "$p") || die "patch $(basename "$p") does not apply to $dir"
    done
    cp "$SRC_DIR/go.mod" "$STATE_DIR/ferretdb-build.mod"
    cp "$SRC_DIR/go.sum" "$STATE_DIR/ferretdb-build.sum"
    "$go" mod edit -replace "github.com/FerretDB/FerretDB=$src" "$STATE_DIR/ferretdb-build.mod"
}

build() {
    local go tmp started=$SECONDS
    go="$(find_go)"
    [[ -n "$go" ]] || die "Go is not installed (need Go >= 1.24 on PATH, or set GO=/path/to/go)"
    mkdir -p "$STATE_DIR/bin"
    tmp="$BIN.tmp.$$"
    say "building $NAME with $("$go" env GOVERSION) (first build downloads FerretDB modules; a minute or two)"
    patched_source "$go"
    # Build to a temporary name and rename, so a concurrent start never runs half a file.
    if ! (cd "$SRC_DIR" && GOFLAGS="${GOFLAGS:-} -mod=mod" "$go" build -modfile "$STATE_DIR/ferretdb-build.mod" \
            -o "$tmp" .); then
        rm -f "$tmp"
        die "building $NAME failed"
    fi
    mv -f "$tmp" "$BIN"
    say "built $BIN in $((SECONDS - started))s"
}

ours_running() { pid_alive "$PIDFILE" "$NAME"; }

do_stop() {
    if ! ours_running; then
        rm -f "$PIDFILE"
        if probe mongo "$PORT"; then
            say "a MongoDB-compatible server on 127.0.0.1:$PORT was not started by devstack; leaving it running"
        else
            say "FerretDB on 127.0.0.1:$PORT is not running"
        fi
        return 0
    fi
    local pid i
    pid="$(<"$PIDFILE")"
    say "stopping FerretDB on 127.0.0.1:$PORT (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid did not stop in 15s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
}

do_start() {
    mkdir -p "$STATE_DIR"
    # One start at a time per port: two `make test` runs racing would both build and start.
    exec 9>"$STATE_DIR/ferretdb-$PORT.lock"
    flock -w 600 9 || die "another devstack start on port $PORT holds the lock"

    if [[ "${CRM_DEVSTACK_RESET:-}" == 1 ]] && ours_running; then
        say "CRM_DEVSTACK_RESET=1: restarting FerretDB with an empty data directory"
        do_stop
    fi

    if probe mongo "$PORT"; then
        if [[ "${CRM_DEVSTACK_RESET:-}" == 1 && -z "$PG_URL" ]]; then
            die "CRM_DEVSTACK_RESET=1 but the server on 127.0.0.1:$PORT was not started by devstack; stop it first"
        fi
        if ours_running; then
            say "FerretDB already running on 127.0.0.1:$PORT (pid $(<"$PIDFILE"))"
        else
            say "a MongoDB-compatible server already answers on 127.0.0.1:$PORT; using it"
        fi
        return 0
    fi
    if port_open "$PORT"; then
        die "127.0.0.1:$PORT is taken by something that does not answer a MongoDB ping; set CRM_FERRETDB_PORT"
    fi
    if ours_running; then
        # Our process exists but does not answer (stuck?): replace it.
        do_stop
    fi

    if needs_build; then
        build
    fi

    local args=(-listen-addr "127.0.0.1:$PORT" -log-level "$LOG_LEVEL") backend
    if [[ -n "$PG_URL" ]]; then
        [[ "${CRM_DEVSTACK_RESET:-}" == 1 ]] && say "CRM_DEVSTACK_RESET=1 ignored with the PostgreSQL backend (drop the database yourself)"
        args+=(-postgresql-url "$PG_URL")
        backend="postgresql"
    else
        if [[ "${CRM_DEVSTACK_RESET:-}" == 1 ]]; then
            say "CRM_DEVSTACK_RESET=1: wiping $DATA_DIR"
            rm -rf "$DATA_DIR"
        fi
        mkdir -p "$DATA_DIR"
        args+=(-sqlite-dir "$DATA_DIR")
        backend="sqlite ($DATA_DIR)"
    fi

    say "starting FerretDB on 127.0.0.1:$PORT, backend $backend, log $LOGFILE"
    # setsid: its own session, so Ctrl-C in the terminal that ran `make` does not reach it;
    # it lives until `make down`.
    setsid "$BIN" "${args[@]}" >>"$LOGFILE" 2>&1 </dev/null 9>&- &
    echo $! >"$PIDFILE"

    local deadline=$((SECONDS + DEVSTACK_TIMEOUT))
    until probe mongo "$PORT"; do
        if ! ours_running; then
            rm -f "$PIDFILE"
            tail -n 20 "$LOGFILE" >&2 || true
            die "FerretDB exited during start (log: $LOGFILE)"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 20 "$LOGFILE" >&2 || true
            do_stop
            die "FerretDB did not answer a ping within ${DEVSTACK_TIMEOUT}s (log: $LOGFILE)"
        fi
        sleep 0.2
    done
    say "FerretDB ready: mongodb://127.0.0.1:$PORT (pid $(<"$PIDFILE"))"
}

do_status() {
    if probe mongo "$PORT"; then
        if ours_running; then
            say "FerretDB running on 127.0.0.1:$PORT (pid $(<"$PIDFILE"), started by devstack)"
        else
            say "a MongoDB-compatible server answers on 127.0.0.1:$PORT (not started by devstack)"
        fi
        return 0
    fi
    if ours_running; then
        say "FerretDB process $(<"$PIDFILE") exists but does not answer on 127.0.0.1:$PORT"
    else
        say "nothing answers a MongoDB ping on 127.0.0.1:$PORT"
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
