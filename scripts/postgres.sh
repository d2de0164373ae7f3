#!/usr/bin/env bash
# A private PostgreSQL server for the registry tests, never the system's own cluster: a cluster initialised in a
# directory of ours (default /tmp/twinforge-postgres-55432), listening on 127.0.0.1:55432 and a unix socket in that
# directory, trust authentication, durability off (fsync, synchronous_commit: throwaway test data, faster tests).
# Idempotent: a server already answering there is reused; a stale lock left by a killed server is cleared.
#
# Usage: scripts/postgres.sh [start|status|stop|connection-string]
#   start              installs Debian's postgresql package if missing (as root), then starts the server (default)
#   status             exits 0 if the server answers
#   stop [--force]     stops the server started by start; refuses while other clients are connected (the tests of
#                      another checkout share the server on the same port) unless --force
#   connection-string  prints the connection string the tests read from TWINFORGE_TEST_POSTGRES
# Environment: TWINFORGE_POSTGRES_PORT (55432), TWINFORGE_POSTGRES_DIR (/tmp/twinforge-postgres-$port).
set -euo pipefail

port=${TWINFORGE_POSTGRES_PORT:-55432}
root=${TWINFORGE_POSTGRES_DIR:-/tmp/twinforge-postgres-$port}
data=$root/data
log=$root/server.log
command=${1:-start}

say() { echo "postgres: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

# The newest installed server's programs (Debian keeps them out of PATH, under /usr/lib/postgresql/<major>/bin).
server_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

# PostgreSQL refuses to run as root; as root we run it as the postgres user the package creates.
as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_server() {
  command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install PostgreSQL's server programs by hand"; return 1; }
  # Only fetch package lists when apt knows no postgresql package yet (a fresh machine has no lists).
  if ! apt-cache show postgresql >/dev/null 2>&1; then
    say "fetching the apt package lists"
    as_root apt-get update -qq
  fi
  say "installing Debian's postgresql package"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

answers() {
  local bin=$1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres >/dev/null 2>&1
}

connection_string() { echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"; }

start() {
  local bin
  bin=$(server_bin) || { install_server && bin=$(server_bin); } || { say "PostgreSQL server programs not found"; return 1; }
  if answers "$bin"; then
    say "reusing the server on port $port"
    return 0
  fi
  mkdir -p "$root"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$root"; chmod 700 "$root"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initialising a private cluster in $data"
    rm -rf "$data"
    as_server_user "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # A server killed with its machine leaves postmaster.pid and a socket lock behind; pg_ctl status says whether
  # their process still lives.
  if ! as_server_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    rm -f "$data/postmaster.pid" "$root/.s.PGSQL.$port.lock" "$root/.s.PGSQL.$port"
  fi
  say "starting the server on 127.0.0.1:$port (log: $log)"
  as_server_user "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -o \
    "-p $port -k $root -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { say "the server did not start; last lines of $log:"; tail -n 20 "$log" >&2 || true; return 1; }
  answers "$bin" || { say "the server started but does not answer on port $port"; return 1; }
}

case "$command" in
  start) start ;;
  status) bin=$(server_bin) && answers "$bin" ;;
  stop)
    bin=$(server_bin)
    if [ "${2:-}" != --force ] && answers "$bin"; then
      others=$("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" 2>/dev/null || echo 0)
      if [ "${others:-0}" -gt 0 ]; then
        say "not stopping the server on port $port: $others other connection(s) are open (another checkout's tests or service?); 'stop --force' stops it all the same"
        exit 1
      fi
    fi
    if [ -f "$data/PG_VERSION" ]; then as_server_user "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null || true; fi ;;
  connection-string) connection_string ;;
  *) say "unknown command '$command' (start, status, stop, connection-string)"; exit 2 ;;
esac
