#!/usr/bin/env bash
# Runs a throwaway PostgreSQL cluster from the local server binaries (initdb/pg_ctl) on 127.0.0.1.
# Usage: postgres.sh start|stop|url|status|destroy   (start reuses a running cluster; prints its URL)
# The cluster lives in .run/postgres/ (as root: /tmp/caselog-postgres-<checkout hash>/);
# PGPORT picks the port (default: a free one on first start).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# As root the server runs as 'postgres', which may not be able to enter the checkout
# (mktemp -d folders are 0700), so the cluster then lives under /tmp, one per checkout.
if [ "$(id -u)" = 0 ]; then
  default_run_dir=${TMPDIR:-/tmp}/caselog-postgres-$(printf '%s' "$root" | sha1sum | cut -c1-12)
else
  default_run_dir=$root/.run/postgres
fi
run_dir=${POSTGRES_RUN_DIR:-$default_run_dir}
data=$run_dir/data
port_file=$run_dir/port

bindir() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/initdb" ] && { echo "$found"; return; }
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
  echo "postgres.sh: PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql" >&2
  exit 1
}

# PostgreSQL refuses to run as root; a root caller runs the server as the 'postgres' user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$run_dir" postgres
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
url() { echo "postgresql+asyncpg://caselog@127.0.0.1:$(cat "$port_file")/caselog"; }
is_running() { [ -f "$data/postmaster.pid" ] && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1; }

start() {
  if is_running; then url; return 0; fi
  local bin; bin=$(bindir)
  mkdir -p "$run_dir"
  [ -f "$port_file" ] || echo "${PGPORT:-$(free_port)}" > "$port_file"
  local port; port=$(cat "$port_file")
  [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || useradd --system postgres; chown -R postgres "$run_dir"; }
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$run_dir/initdb.log" 2>&1 \
      || { cat "$run_dir/initdb.log" >&2; exit 1; }
  fi
  as_owner "$bin/pg_ctl" -D "$data" -l "$run_dir/server.log" -w -t 60 \
    -o "-p $port -h 127.0.0.1 -k $run_dir -c fsync=on -c max_connections=200" start >/dev/null \
    || { tail -n 20 "$run_dir/server.log" >&2; exit 1; }
  local psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ -z "$("${psql[@]}" -c "select 1 from pg_roles where rolname='caselog'")" ]; then
    "${psql[@]}" -c "create role caselog login createdb" >/dev/null
    "${psql[@]}" -c "create database caselog owner caselog" >/dev/null
  fi
  url
}

stop() {
  if is_running; then as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
  echo "postgres.sh: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  destroy) stop; rm -rf "$run_dir"; echo "postgres.sh: removed $run_dir" ;;
  status) if is_running; then url; else echo "postgres.sh: not running" >&2; exit 1; fi ;;
  *) echo "usage: $0 start|stop|url|status|destroy" >&2; exit 2 ;;
esac
