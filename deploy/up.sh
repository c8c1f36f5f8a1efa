#!/usr/bin/env bash
# The distributed runtime without Docker: each service its own process on the local Kafka
# broker and PostgreSQL cluster (started by `make kafka postgres`), logs in .run/logs/.
# The console (web pages for people) runs beside them on port 8100, signing in by the
# development role picker: its tokens come from the same development issuer the services
# are configured to trust here (.run/auth), standing in for an identity provider.
# Usage: up.sh start|stop|status
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
services=(intake policy records privacy)
first_port=${CASELOG_FIRST_PORT:-8101}
console_port=${CASELOG_CONSOLE_PORT:-$((first_port - 1))}
components=("${services[@]}" console)
run_dir=$root/.run/services
logs=$root/.run/logs
caselog=$root/.venv/bin/caselog

port_of() { [ "$1" = console ] && { echo "$console_port"; return; }; local i; for i in "${!services[@]}"; do [ "${services[$i]}" = "$1" ] && echo $((first_port + i)); done; }
pid_of() { local f=$run_dir/$1.pid; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"; }

database_for() {
  # One database per service: each service owns its data.
  local base; base=$(bash "$root/deploy/postgres/postgres.sh" url)
  local admin=${base/postgresql+asyncpg:/postgresql:}
  local name=caselog_$1
  if [ -z "$(psql "$admin" -qtAc "select 1 from pg_database where datname='$name'")" ]; then
    psql "$admin" -qc "create database $name" >/dev/null
  fi
  echo "${base%/*}/$name"
}

# Production mode refuses the published development keys: make local ones once, kept in .run/.
secrets() {
  local dir=$root/.run/secrets
  mkdir -p "$dir" && chmod 700 "$dir"
  for name in kek pepper; do
    [ -s "$dir/$name.b64" ] || python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())' >"$dir/$name.b64"
  done
  [ -s "$dir/console-session.secret" ] || python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$dir/console-session.secret"
  # The log's origin: this deployment's own (production refuses the shared development one),
  # made once; the records key is named by it (C2SP tlog-checkpoint), the receipt key by the
  # name privacy gives every receipt key (`caselog receipt-key` uses the same).
  if [ ! -s "$dir/records-origin" ] && [ -s "$dir/records-signing.key" ]; then
    echo "up.sh: $dir predates per-deployment log origins: its records key is named caselog.local/records," >&2
    echo "up.sh: which production refuses. 'make clean' starts afresh (deleting this local deployment's data)." >&2
    exit 1
  fi
  [ -s "$dir/records-origin" ] || echo "caselog.local/records-$(python3 -c 'import secrets; print(secrets.token_hex(8))')" >"$dir/records-origin"
  export CASELOG_RECORDS_ORIGIN
  CASELOG_RECORDS_ORIGIN=$(cat "$dir/records-origin")
  [ -s "$dir/records-signing.key" ] || "$root/.venv/bin/python" -c \
    "import sys; from shared.merkle.keys import NoteSigner; print(NoteSigner.generate(sys.argv[1]).key_string())" \
    "$CASELOG_RECORDS_ORIGIN" >"$dir/records-signing.key"
  [ -s "$dir/privacy-signing.key" ] || "$root/.venv/bin/python" -c \
    "from services.privacy.adapters.signing import KEY_NAME; from shared.merkle.keys import NoteSigner; print(NoteSigner.generate(KEY_NAME).key_string())" \
    >"$dir/privacy-signing.key"
  export CASELOG_RECORDS_SIGNING_KEY_FILE=$dir/records-signing.key
  export CASELOG_PRIVACY_SIGNING_KEY_FILE=$dir/privacy-signing.key
  # Tokens: caselog's development issuer stands in for an identity provider.
  CASELOG_AUTH_DEV_KEYS_DIR=$root/.run/auth "$caselog" token issue --role admin --sub up.sh >/dev/null
  export CASELOG_CRYPTO__KEK_PROVIDER=file CASELOG_CRYPTO__KEK_FILE=$dir/kek.b64
  export CASELOG_CRYPTO__PEPPER_SOURCE=file CASELOG_CRYPTO__PEPPER_FILE=$dir/pepper.b64
  export CASELOG_AUTH_JWKS_FILE=$root/.run/auth/dev-jwks.json
  export CASELOG_KEYSTORE_URL
  CASELOG_KEYSTORE_URL=$(database_for keys)
}

start() {
  mkdir -p "$run_dir" "$logs"
  secrets
  local kafka=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:${KAFKA_PORT:-9092}}
  CASELOG_BUS=kafka KAFKA_BOOTSTRAP_SERVERS=$kafka "$caselog" topics
  for name in "${services[@]}"; do
    if [ -n "$(pid_of "$name" || true)" ]; then echo "up.sh: $name already running"; continue; fi
    CASELOG_BUS=kafka KAFKA_BOOTSTRAP_SERVERS=$kafka CASELOG_ENVIRONMENT=production \
      DATABASE_URL=$(database_for "$name") CASELOG_HTTP_PORT=$(port_of "$name") \
      nohup "$caselog" serve "$name" >>"$logs/$name.log" 2>&1 </dev/null &
    echo $! >"$run_dir/$name.pid"
  done
  if [ -z "$(pid_of console || true)" ]; then
    CASELOG_ENVIRONMENT=development CASELOG_AUTH_DEV_KEYS_DIR=$root/.run/auth \
      CASELOG_HTTP_PORT=$console_port \
      CASELOG_CONSOLE_SESSION_SECRET=$(cat "$root/.run/secrets/console-session.secret") \
      CASELOG_CONSOLE_INTAKE_URL=http://127.0.0.1:$(port_of intake) \
      CASELOG_CONSOLE_POLICY_URL=http://127.0.0.1:$(port_of policy) \
      CASELOG_CONSOLE_RECORDS_URL=http://127.0.0.1:$(port_of records) \
      CASELOG_CONSOLE_PRIVACY_URL=http://127.0.0.1:$(port_of privacy) \
      nohup "$caselog" serve console >>"$logs/console.log" 2>&1 </dev/null &
    echo $! >"$run_dir/console.pid"
  else
    echo "up.sh: console already running"
  fi
  for name in "${components[@]}"; do
    local url="http://127.0.0.1:$(port_of "$name")/readyz" ready=""
    for _ in $(seq 1 120); do
      if curl -fsS "$url" >/dev/null 2>&1; then ready=1; break; fi
      [ -n "$(pid_of "$name" || true)" ] || break
      sleep 0.5
    done
    if [ -z "$ready" ]; then echo "up.sh: $name is not ready; see $logs/$name.log" >&2; tail -n 20 "$logs/$name.log" >&2; exit 1; fi
    if [ "$name" = console ]; then
      echo "up.sh: console ready on http://127.0.0.1:$console_port/ (sign in by picking a role)"
    else
      echo "up.sh: $name ready on http://127.0.0.1:$(port_of "$name")/docs"
    fi
  done
  echo "up.sh: logs in $logs"
  echo "up.sh: a token for a role: CASELOG_AUTH_DEV_KEYS_DIR=.run/auth .venv/bin/caselog token issue --role agent --sub you"
}

stop() {
  for name in console "${services[@]}"; do
    local pid; pid=$(pid_of "$name" || true)
    [ -n "$pid" ] || continue
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$run_dir/$name.pid"
    echo "up.sh: $name stopped"
  done
}

status() {
  for name in "${components[@]}"; do
    if curl -fsS "http://127.0.0.1:$(port_of "$name")/readyz" >/dev/null 2>&1; then echo "$name: ready"; else echo "$name: down"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
