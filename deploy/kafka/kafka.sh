#!/usr/bin/env bash
# Runs a real single-node Apache Kafka (KRaft) broker from Maven Central jars on the local JVM.
# Usage: kafka.sh fetch|start|stop|status   (start reuses a broker that already answers)
# KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_RUN_DIR and KAFKA_EXTRA_PROPERTIES configure it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-$((port + 1))}
libs=${KAFKA_LIBS_DIR:-$root/.cache/kafka/libs}
run_dir=${KAFKA_RUN_DIR:-$root/.run/kafka-$port}
python=${PYTHON:-$root/.venv/bin/python}
pid_file=$run_dir/broker.pid

fetch() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { echo "kafka.sh: Maven (mvn) is required to fetch the broker jars" >&2; exit 1; }
  echo "kafka.sh: fetching Apache Kafka jars from Maven Central into $libs"
  mvn -q -B -f "$here/pom.xml" package -Dkafka.libs.dir="$libs"
  touch "$libs/.complete"
}

answers() { "$python" "$here/wait_ready.py" "127.0.0.1:$port" "${1:-2}" >/dev/null 2>&1; }

running_pid() {
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null && cat "$pid_file"
}

start() {
  if answers 3; then echo "kafka.sh: broker already answering on 127.0.0.1:$port"; return 0; fi
  command -v java >/dev/null || { echo "kafka.sh: a JVM (Java 17+) is required" >&2; exit 1; }
  fetch
  mkdir -p "$run_dir"
  if [ -n "$(running_pid || true)" ]; then
    echo "kafka.sh: broker process $(cat "$pid_file") exists but does not answer; stopping it" >&2
    stop
  fi
  sed -e "s#@DATA_DIR@#$run_dir#g" -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$controller_port#g" \
    "$here/server.properties" > "$run_dir/server.properties"
  # KAFKA_EXTRA_PROPERTIES: lines appended to server.properties (tests' own brokers).
  if [ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]; then printf '%s\n' "$KAFKA_EXTRA_PROPERTIES" >> "$run_dir/server.properties"; fi
  local cp="$libs/*"
  local jvm=(-Xms256m -Xmx1g -Dlog4j2.configurationFile="$here/log4j2.properties"
    -Dkafka.logs.dir="$run_dir")
  if [ ! -f "$run_dir/logs/meta.properties" ]; then
    java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format \
      --cluster-id "$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)" \
      --config "$run_dir/server.properties" > "$run_dir/format.log" 2>&1 \
      || { cat "$run_dir/format.log" >&2; exit 1; }
  fi
  nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$run_dir/server.properties" \
    > "$run_dir/console.log" 2>&1 < /dev/null &
  echo $! > "$pid_file"
  if ! answers 90; then
    echo "kafka.sh: broker did not answer metadata requests within 90 s; see $run_dir/server.log" >&2
    tail -n 30 "$run_dir/console.log" >&2 || true
    exit 1
  fi
  echo "kafka.sh: broker ready on 127.0.0.1:$port (pid $(cat "$pid_file"), data in $run_dir)"
}

stop() {
  local pid
  pid=$(running_pid || true)
  if [ -z "$pid" ]; then echo "kafka.sh: no broker running from $run_dir"; return 0; fi
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pid_file"
  echo "kafka.sh: broker stopped"
}

status() {
  if answers 2; then echo "kafka.sh: broker answering on 127.0.0.1:$port"; else echo "kafka.sh: no broker on 127.0.0.1:$port"; exit 1; fi
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
