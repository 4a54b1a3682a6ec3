#!/usr/bin/env bash
# The local stack without Docker: PostgreSQL 15 + PostGIS from Debian packages, a single-node
# Apache Kafka (KRaft) from Maven Central jars, and the four services' APIs and workers.
# Every process it starts has its PID saved under $TRYGG_STATE_DIR/pids; stop only stops those.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${TRYGG_STATE_DIR:-$ROOT/.state/dev}
PG_PORT=${TRYGG_PG_PORT:-55432}
PG_DURABLE=${TRYGG_PG_DURABLE:-1}
KAFKA_PORT=${TRYGG_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${TRYGG_KAFKA_CONTROLLER_PORT:-9093}
KAFKA_PARTITIONS=${TRYGG_KAFKA_PARTITIONS:-3}
# The local stack runs on development secrets, so it says it is development; outside it the
# services refuse those secrets. Exported for everything started here (APIs, workers, demo).
export TRYGG_ENVIRONMENT=${TRYGG_ENVIRONMENT:-development}
# Development default only; deployments pass their own credentials.
PG_USER=trygg
PG_PASSWORD=${TRYGG_PG_PASSWORD:-trygg-dev-only}
PG_BIN=/usr/lib/postgresql/15/bin
KAFKA_LIBS=$ROOT/.state/kafka-libs
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/deploy/kafka/pom.xml")
PY=$ROOT/.venv/bin/python
SERVICES=(walks tips patrols notify)
# The bases are overridable so that a second whole stack (the soak's) can run beside `make up`.
API_PORT_BASE=${TRYGG_API_PORT_BASE:-8000}
declare -A API_PORT=([walks]=$((API_PORT_BASE + 1)) [tips]=$((API_PORT_BASE + 2))
  [patrols]=$((API_PORT_BASE + 3)) [notify]=$((API_PORT_BASE + 4)))
# Each worker's Prometheus endpoint (<SERVICE>_WORKER__METRICS_PORT), beside its API's port.
METRICS_PORT_BASE=${TRYGG_WORKER_METRICS_PORT_BASE:-8100}
declare -A WORKER_METRICS_PORT=([walks]=$((METRICS_PORT_BASE + 1))
  [tips]=$((METRICS_PORT_BASE + 2)) [patrols]=$((METRICS_PORT_BASE + 3))
  [notify]=$((METRICS_PORT_BASE + 4)))
# The port the services reach PostgreSQL on: another than PG_PORT when a proxy sits between.
SERVICES_PG_PORT=${TRYGG_SERVICES_PG_PORT:-$PG_PORT}

PIDS=$STATE/pids
LOGS=$STATE/logs

log() { echo "[stack] $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# --- installation -----------------------------------------------------------------------------

install_packages() {
  if [ -x "$PG_BIN/initdb" ] && [ -f /usr/share/postgresql/15/extension/postgis.control ]; then
    return
  fi
  log "installing PostgreSQL 15 and PostGIS 3 from Debian packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    postgresql-15 postgresql-15-postgis-3 >/dev/null
}

# Chromium and its WebDriver, for the test that fills in the tip form in a real browser.
install_browser() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    return
  fi
  log "installing Chromium and chromedriver from Debian packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    chromium chromium-driver >/dev/null
}

# promtool, with which the tests check deploy/prometheus. Debian starts a package's service as
# it installs it; no Prometheus is meant to run here, so starts are refused while it installs
# (policy-rc.d, when there is none already) and one started anyway is stopped by its pid file.
install_prometheus() {
  command -v promtool >/dev/null && return
  log "installing Prometheus (for promtool) from Debian packages"
  local deny=/usr/sbin/policy-rc.d ours="" status=0
  if [ ! -e "$deny" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$deny" >/dev/null
    as_root chmod +x "$deny"
    ours=1
  fi
  as_root apt-get update -qq || status=$?
  [ "$status" = 0 ] && { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends prometheus >/dev/null || status=$?; }
  [ -n "$ours" ] && as_root rm -f "$deny"
  local pidfile=/run/prometheus/prometheus.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "stopping the Prometheus daemon the package started"
    as_root kill "$(cat "$pidfile")"
  fi
  return "$status"
}

install_uv() {
  command -v uv >/dev/null && return
  log "installing uv"
  python3 -m pip install --quiet uv || python3 -m pip install --quiet --break-system-packages uv
}

install_python() {
  install_uv
  # Compiled once here: the environment may forbid writing bytecode at import
  # (PYTHONDONTWRITEBYTECODE), and every process would compile every module again; a dozen
  # starting together on two cores took over half a minute.
  (cd "$ROOT" && uv sync --frozen --quiet --compile-bytecode)
}

install_kafka() {
  if [ -f "$KAFKA_LIBS/.version" ] && [ "$(cat "$KAFKA_LIBS/.version")" = "$KAFKA_VERSION" ]; then
    return
  fi
  log "downloading Apache Kafka $KAFKA_VERSION jars from Maven Central"
  rm -rf "$KAFKA_LIBS"  # copy-dependencies never removes stale jars of another version
  mvn -B -q -f "$ROOT/deploy/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS"
  echo "$KAFKA_VERSION" >"$KAFKA_LIBS/.version"
}

# Node.js and the packages of package-lock.json: the official AsyncAPI parser, which a test runs
# on docs/asyncapi.json. Reinstalled only when the lock changes. No package needs its install
# scripts (the one there is sends usage statistics), so none run.
install_node() {
  if ! command -v npm >/dev/null; then
    log "installing Node.js and npm from Debian packages"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  local lock stamp=$ROOT/node_modules/.lock.sha256
  lock=$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock" ]; then
    return
  fi
  log "installing the Node packages of package-lock.json"
  (cd "$ROOT" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock" >"$stamp"
}

# wrk, the HTTP load generator of `make bench` (C, so it leaves the cores to what it measures).
install_wrk() {
  command -v wrk >/dev/null && return
  log "installing wrk from Debian packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
}

install() {
  install_packages; install_browser; install_prometheus; install_python; install_kafka; install_node
  install_wrk
}

# --- process bookkeeping ----------------------------------------------------------------------

# A PID file counts only while its process runs the command we started (PIDs get reused).
is_running() {
  local name=$1 pid
  [ -f "$PIDS/$name.pid" ] || return 1
  pid=$(cat "$PIDS/$name.pid")
  kill -0 "$pid" 2>/dev/null || return 1
  grep -q "^State:.*Z" "/proc/$pid/status" 2>/dev/null && return 1  # exited, not yet reaped
  grep -q "${2:-}" "/proc/$pid/cmdline" 2>/dev/null
}

start_process() {  # name marker command...
  local name=$1 marker=$2; shift 2
  if is_running "$name" "$marker"; then log "$name already running"; return; fi
  mkdir -p "$PIDS" "$LOGS"
  setsid nohup "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

stop_process() {  # name marker [signal]
  local name=$1 marker=$2 signal=${3:-TERM} pid
  if ! is_running "$name" "$marker"; then rm -f "$PIDS/$name.pid"; return; fi
  pid=$(cat "$PIDS/$name.pid")
  kill "-$signal" "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  # Started with setsid, it leads its own process group: what it started itself (an API's
  # processes) goes with it, even when it did not stop them.
  kill -0 "$pid" 2>/dev/null && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; }
  rm -f "$PIDS/$name.pid"
}

# --- PostgreSQL -------------------------------------------------------------------------------

pg_dir() { echo "$STATE/pg"; }

# The postgres user must be able to reach the cluster folder inside the project.
grant_traverse() {
  [ "$(id -u)" = 0 ] || return 0
  local dir
  dir=$(dirname "$(pg_dir)")
  while [ "$dir" != / ]; do chmod o+x "$dir"; dir=$(dirname "$dir"); done
}

pg_init() {
  local dir
  dir=$(pg_dir)
  [ -f "$dir/data/PG_VERSION" ] && return
  log "initialising a PostgreSQL cluster in $dir/data"
  mkdir -p "$dir"
  grant_traverse
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  echo "$PG_PASSWORD" >"$dir/.pwfile" && chmod 600 "$dir/.pwfile"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/.pwfile"
  as_postgres "$PG_BIN/initdb" -D "$dir/data" -U "$PG_USER" --pwfile="$dir/.pwfile" \
    -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$dir/.pwfile"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = ''"
    echo "max_connections = 200"
    # The test stack trades crash safety of the machine for speed; clean restarts stay safe.
    [ "$PG_DURABLE" = 1 ] || echo "fsync = off"
    [ "$PG_DURABLE" = 1 ] || echo "full_page_writes = off"
  } >>"$dir/data/postgresql.conf"
}

pg_start() {
  install_packages
  pg_init
  local dir
  dir=$(pg_dir)
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null
  fi
  mkdir -p "$PIDS"
  head -1 "$dir/data/postmaster.pid" >"$PIDS/postgres.pid"
  pg_create_databases
}

pg_create_databases() {
  local db
  for db in "${SERVICES[@]}"; do
    PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -qtAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 && continue
    PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -qc \
      "CREATE DATABASE $db"
    PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$db" -qc \
      "CREATE EXTENSION IF NOT EXISTS postgis"
  done
}

pg_stop() {
  local dir
  dir=$(pg_dir)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  rm -f "$PIDS/postgres.pid"
}

# --- Kafka ------------------------------------------------------------------------------------
# One node by default: `kafka`, data in $STATE/kafka, the two ports above. TRYGG_KAFKA_BROKERS=N
# (N > 1) runs a cluster of N nodes kafka-1..kafka-N, each a broker and a voter of the controller
# quorum, data in $STATE/kafka-<i>. Node i's ports are the ones above plus (i-1)*10: clients on
# the first, the quorum on the controller port, replication on the client port + 5.
# TRYGG_KAFKA_ADVERTISED_PORTS (comma-separated, one per node) makes the client listeners
# advertise other ports, where a proxy may stand between clients and brokers.
KAFKA_BROKERS=${TRYGG_KAFKA_BROKERS:-1}
[[ "$KAFKA_BROKERS" =~ ^[1-9][0-9]?$ ]] || { log "TRYGG_KAFKA_BROKERS must be 1 to 99"; exit 2; }
KAFKA_ADVERTISED_PORTS=${TRYGG_KAFKA_ADVERTISED_PORTS:-}
if [ -n "$KAFKA_ADVERTISED_PORTS" ] && { [ "$KAFKA_BROKERS" = 1 ] \
  || ! [[ "$KAFKA_ADVERTISED_PORTS" =~ ^[0-9]+(,[0-9]+){$((KAFKA_BROKERS - 1))}$ ]]; }; then
  log "TRYGG_KAFKA_ADVERTISED_PORTS needs one port per broker of a cluster (TRYGG_KAFKA_BROKERS > 1)"
  exit 2
fi
# A fixed development cluster id: the data folders belong to this stack alone.
KAFKA_CLUSTER_ID=5L6g3nShT-eMCtK--X86sw

kafka_is_cluster() { [ "$KAFKA_BROKERS" -gt 1 ]; }
kafka_node_name() { kafka_is_cluster && echo "kafka-$1" || echo kafka; }
kafka_nodes() { seq 1 "$KAFKA_BROKERS"; }
kafka_client_port() { echo $((KAFKA_PORT + ($1 - 1) * 10)); }
kafka_internal_port() { echo $((KAFKA_PORT + ($1 - 1) * 10 + 5)); }
kafka_controller_port() { echo $((KAFKA_CONTROLLER_PORT + ($1 - 1) * 10)); }

kafka_advertised_port() {
  if [ -n "$KAFKA_ADVERTISED_PORTS" ]; then cut -d, -f"$1" <<<"$KAFKA_ADVERTISED_PORTS"
  else kafka_client_port "$1"; fi
}

# Three copies where there are three brokers, and a write acknowledged once two have it.
kafka_replication() { echo $((KAFKA_BROKERS < 3 ? KAFKA_BROKERS : 3)); }
kafka_min_isr() { [ "$(kafka_replication)" -ge 3 ] && echo 2 || echo 1; }

kafka_join() {  # function nodes... -> "127.0.0.1:<port>,..."
  local fn=$1 i out=""
  for i in $(kafka_nodes); do out+="${out:+,}127.0.0.1:$($fn "$i")"; done
  echo "$out"
}

# What clients are given: every broker's client listener, as advertised.
kafka_bootstrap() {
  kafka_is_cluster && kafka_join kafka_advertised_port || echo "127.0.0.1:$KAFKA_PORT"
}

# The stack's own checks and topic creation use the replication listener in a cluster, so they
# never depend on a proxy in front of the client listener.
kafka_admin_bootstrap() {
  kafka_is_cluster && kafka_join kafka_internal_port || echo "127.0.0.1:$KAFKA_PORT"
}

kafka_render_config() {
  local dir=$STATE/kafka
  mkdir -p "$dir/data" "$dir/logs"
  sed -e "s#@DATA_DIR@#$dir/data#" -e "s#@PORT@#$KAFKA_PORT#g" \
    -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@PARTITIONS@#$KAFKA_PARTITIONS#" \
    "$ROOT/deploy/kafka/server.properties.in" >"$dir/server.properties"
}

kafka_render_node_config() {
  local i=$1 dir=$STATE/kafka-$1
  mkdir -p "$dir/data" "$dir/logs"
  sed -e "s#@NODE_ID@#$i#" -e "s#@DATA_DIR@#$dir/data#" -e "s#@QUORUM@#$(kafka_join kafka_controller_port)#" \
    -e "s#@PORT@#$(kafka_client_port "$i")#" -e "s#@ADVERTISED_PORT@#$(kafka_advertised_port "$i")#" \
    -e "s#@INTERNAL_PORT@#$(kafka_internal_port "$i")#" \
    -e "s#@CONTROLLER_PORT@#$(kafka_controller_port "$i")#g" \
    -e "s#@PARTITIONS@#$KAFKA_PARTITIONS#g" -e "s#@REPLICATION@#$(kafka_replication)#g" \
    -e "s#@MIN_ISR@#$(kafka_min_isr)#g" \
    "$ROOT/deploy/kafka/cluster-node.properties.in" >"$dir/server.properties"
}

# Sets KJ to the java command line with Kafka's own JVM flags and our jars.
kafka_jvm() {  # heap [node folder]
  local heap=$1 dir=${2:-$STATE/kafka}
  KJ=(java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true "-Dkafka.logs.dir=$dir/logs"
    "-Dlog4j2.configurationFile=$ROOT/deploy/kafka/log4j2.properties"
    -cp "$KAFKA_LIBS/*")
}

kafka_start() {
  install_kafka
  if kafka_is_cluster; then kafka_cluster_start; return; fi
  if is_running kafka kafka.Kafka; then log "kafka already running"; return; fi
  kafka_render_config
  if [ ! -f "$STATE/kafka/data/meta.properties" ]; then
    kafka_jvm 256m
    "${KJ[@]}" kafka.tools.StorageTool format --standalone -t "$KAFKA_CLUSTER_ID" \
      -c "$STATE/kafka/server.properties" >/dev/null
  fi
  local started=$SECONDS
  kafka_jvm 512m
  start_process kafka kafka.Kafka "${KJ[@]}" kafka.Kafka "$STATE/kafka/server.properties"
  kafka_wait
  log "kafka ready on 127.0.0.1:$KAFKA_PORT after $((SECONDS - started)) s"
  kafka_create_topics
}

# The quorum's voters, each with a directory id derived from its node id: the same list must
# format every node, also one whose data folder was wiped later.
kafka_initial_controllers() {
  local i hex out=""
  for i in $(kafka_nodes); do
    hex=$(printf 'trygg-kafka-node-%s' "$i" | md5sum | cut -c1-32)
    out+="${out:+,}$i@127.0.0.1:$(kafka_controller_port "$i"):$(printf "$(sed 's/../\\x&/g' <<<"$hex")" \
      | base64 | tr '+/' '-_' | tr -d '=')"
  done
  echo "$out"
}

kafka_format_node() {
  local dir=$STATE/kafka-$1
  [ -f "$dir/data/meta.properties" ] && return
  kafka_jvm 256m "$dir"
  "${KJ[@]}" -XX:TieredStopAtLevel=1 kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" \
    --initial-controllers "$(kafka_initial_controllers)" -c "$dir/server.properties" >/dev/null
}

# Starts every node that is not running (the others are left alone), then waits for all of them:
# after a node was killed, this restarts just that one.
kafka_cluster_start() {
  local i started=$SECONDS pids=()
  for i in $(kafka_nodes); do
    kafka_render_node_config "$i"
    kafka_format_node "$i" & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  for i in $(kafka_nodes); do
    # Several brokers share the cores: a smaller heap each, and the quick compiler only, which
    # starts them sooner and is plenty for a local stack's load.
    kafka_jvm 384m "$STATE/kafka-$i"
    start_process "kafka-$i" kafka.Kafka "${KJ[@]}" -XX:TieredStopAtLevel=1 \
      kafka.Kafka "$STATE/kafka-$i/server.properties"
  done
  kafka_wait
  log "kafka cluster of $KAFKA_BROKERS ready on $(kafka_bootstrap) after $((SECONDS - started)) s"
  kafka_create_topics
}

kafka_create_topics() {
  "$PY" -m shared.kafka_admin create-topics --bootstrap "$(kafka_admin_bootstrap)" \
    --partitions "$KAFKA_PARTITIONS" --replication-factor "$(kafka_replication)" \
    --min-insync-replicas "$(kafka_min_isr)"
}

kafka_wait() {
  if kafka_is_cluster; then kafka_cluster_wait; return; fi
  "$PY" -m shared.kafka_admin wait --bootstrap "127.0.0.1:$KAFKA_PORT" --timeout 120
}

# A broker opens its listeners only once the controller has let it in (unfenced it), so an
# open port is a real signal; every node must be up, not just one of them. Topic creation,
# which follows, talks the protocol to all of them.
kafka_cluster_wait() {
  local i deadline=$((SECONDS + 120))
  for i in $(kafka_nodes); do
    until (exec 3<>"/dev/tcp/127.0.0.1/$(kafka_internal_port "$i")") 2>/dev/null; do
      is_running "kafka-$i" kafka.Kafka || { log "kafka-$i exited; see $LOGS/kafka-$i.log"; exit 1; }
      [ "$SECONDS" -lt "$deadline" ] || { log "kafka-$i not ready after 120 s"; exit 1; }
      sleep 0.2
    done
  done
}

# Stops every node this state folder has a PID file for, whatever TRYGG_KAFKA_BROKERS says now,
# all at once: a cluster stopped one node after another loses its quorum half way.
kafka_stop() {
  local file name pids=()
  for file in "$PIDS"/kafka.pid "$PIDS"/kafka-*.pid; do
    [ -f "$file" ] || continue
    name=$(basename "$file" .pid)
    stop_process "$name" kafka.Kafka "${1:-TERM}" & pids+=($!)
  done
  for file in "${pids[@]}"; do wait "$file"; done
}

# One line per node: name, client port, PID (or - when it is not running).
kafka_brokers() {
  local i name pid
  for i in $(kafka_nodes); do
    name=$(kafka_node_name "$i")
    pid=-
    is_running "$name" kafka.Kafka && pid=$(cat "$PIDS/$name.pid")
    echo "$name $(kafka_client_port "$i") $pid"
  done
}

# The node that leads the controller quorum now: the newest leader any node recorded in its
# quorum state.
kafka_active_controller() {
  local i file
  for i in $(kafka_nodes); do
    kafka_is_cluster && file=$STATE/kafka-$i/data/__cluster_metadata-0/quorum-state \
      || file=$STATE/kafka/data/__cluster_metadata-0/quorum-state
    [ -f "$file" ] || continue
    # The file has no final newline.
    sed -n 's/.*"leaderId":\([0-9]*\),"leaderEpoch":\([0-9]*\).*/\2 \1\n/p' "$file"
  done | grep . | sort -n | tail -1 | { read -r _ id && kafka_node_name "$id"; }
}

# --- the local mail sink and SMS gateway stub ----------------------------------------------------
# notify's development defaults point at these ports; nothing sent here leaves the machine.
MAIL_SINK_PORT=${TRYGG_MAIL_SINK_PORT:-2525}
SMS_GATEWAY_PORT=${TRYGG_SMS_GATEWAY_PORT:-8025}

sinks_start() {
  start_process mail-sink mail_sink.py "$PY" "$ROOT/deploy/sinks/mail_sink.py" \
    --port "$MAIL_SINK_PORT" --dir "$STATE/mail"
  start_process sms-gateway sms_gateway.py "$PY" "$ROOT/deploy/sinks/sms_gateway.py" \
    --port "$SMS_GATEWAY_PORT" --dir "$STATE/sms"
  "$PY" -m shared.wait_http "http://127.0.0.1:$SMS_GATEWAY_PORT/" --timeout 30
}

sinks_stop() {
  stop_process mail-sink mail_sink.py
  stop_process sms-gateway sms_gateway.py
}

# --- the services -----------------------------------------------------------------------------

service_env() {
  local svc=${1^^}
  echo "${svc}_DB__URL=postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:$SERVICES_PG_PORT/$1" \
    "${svc}_KAFKA__BOOTSTRAP_SERVERS=$(kafka_bootstrap)"
}

# How many APIs and workers each service runs (`TRYGG_APIS=2 TRYGG_WORKERS=3 make up`). They are
# named <svc>-api-<i> and <svc>-worker-<i>; number i listens 10 ports above number i-1 (API 8001,
# 8011, ...; worker metrics 8101, 8111, ...), so at most 10 stay clear of each other.
APIS=${TRYGG_APIS:-1}
WORKERS=${TRYGG_WORKERS:-1}

nth_port() { echo $(($1 + ($2 - 1) * 10)); }  # base i

check_counts() {
  local count
  for count in "$APIS" "$WORKERS"; do
    [[ "$count" =~ ^([1-9]|10)$ ]] && continue
    log "TRYGG_APIS and TRYGG_WORKERS must be whole numbers from 1 to 10 (got '$count')"
    exit 2
  done
}

services_migrate() {
  local svc
  mkdir -p "$LOGS"
  for svc in "${SERVICES[@]}"; do
    env $(service_env "$svc") "$ROOT/.venv/bin/alembic" -c "$ROOT/services/$svc/alembic.ini" \
      upgrade head >>"$LOGS/$svc-migrate.log" 2>&1
  done
}

api_start() {  # service i
  local svc=$1 i=$2
  # shared.serve: uvicorn with JSON logs, one access line per request, no proxy headers; one
  # process per core on the port (<SERVICE>_API__PROCESSES=n for another number), all stopped
  # through the supervisor's PID saved here.
  start_process "$svc-api-$i" shared.serve env $(service_env "$svc") "$PY" -m shared.serve "$svc" \
    --host 127.0.0.1 --port "$(nth_port "${API_PORT[$svc]}" "$i")"
}

worker_start() {  # service i
  local svc=$1 i=$2
  start_process "$svc-worker-$i" "$svc.worker" env $(service_env "$svc") \
    "${svc^^}_WORKER__METRICS_PORT=$(nth_port "${WORKER_METRICS_PORT[$svc]}" "$i")" \
    "$PY" -m "$svc.worker"
}

# Starts whichever of the APIs and workers is not running (a killed one, say), then waits until
# every API answers; the ones running are left alone. No migrations, no demo.
services_up() {
  check_counts
  local svc i
  for svc in "${SERVICES[@]}"; do
    for i in $(seq 1 "$APIS"); do api_start "$svc" "$i"; done
    for i in $(seq 1 "$WORKERS"); do worker_start "$svc" "$i"; done
  done
  for svc in "${SERVICES[@]}"; do
    for i in $(seq 1 "$APIS"); do
      "$PY" -m shared.wait_http \
        "http://127.0.0.1:$(nth_port "${API_PORT[$svc]}" "$i")/livez" --timeout 60
    done
  done
}

services_start() { check_counts; services_migrate; services_up; }

# Stops every API and worker with a PID file, whatever TRYGG_APIS and TRYGG_WORKERS say now (and
# those of a stack from before they were numbered), all at once.
services_stop() {
  local svc file name
  for svc in "${SERVICES[@]}"; do
    for file in "$PIDS/$svc"-api*.pid; do
      [ -e "$file" ] || continue
      name=$(basename "$file" .pid)
      stop_process "$name" 'shared.serve\|uvicorn' &  # uvicorn: one started before shared.serve
    done
    for file in "$PIDS/$svc"-worker*.pid; do
      [ -e "$file" ] || continue
      name=$(basename "$file" .pid)
      stop_process "$name" "$svc.worker" &
    done
  done
  wait
}

# One line per API and worker: its name, and its PID or "stopped".
services_status() {
  check_counts
  local svc i
  for svc in "${SERVICES[@]}"; do
    for i in $(seq 1 "$APIS"); do process_status "$svc-api-$i" shared.serve; done
    for i in $(seq 1 "$WORKERS"); do process_status "$svc-worker-$i" "$svc.worker"; done
  done
}

process_status() {  # name marker
  if is_running "$1" "$2"; then echo "$1 $(cat "$PIDS/$1.pid")"; else echo "$1 stopped"; fi
}

load_demo() {
  # TRYGG_DEMO=0: a stack with no demo data, for a driver that brings its own (the soak).
  [ "${TRYGG_DEMO:-1}" = 1 ] || return 0
  log "loading the demo: a walk in Forsheda (Värnamo), its action plan, subscribed residents, tips, incidents, hot spots, rounds and the citizens' promise"
  "$PY" "$ROOT/deploy/demo.py" --mail-dir "$STATE/mail" \
    --sms-url "http://127.0.0.1:$SMS_GATEWAY_PORT" >>"$LOGS/demo.log" 2>&1 \
    || { log "the demo did not load; see $LOGS/demo.log"; return 1; }
}

print_urls() {
  local svc i
  echo "Trygg is up. API documentation:"
  for svc in "${SERVICES[@]}"; do
    for i in $(seq 1 "$APIS"); do
      printf '  %-8s http://127.0.0.1:%s/docs   (%s-api-%s)\n' \
        "$svc" "$(nth_port "${API_PORT[$svc]}" "$i")" "$svc" "$i"
    done
  done
  echo "Metrics (Prometheus text format; deploy/prometheus/prometheus.yml scrapes those of 1):"
  for svc in "${SERVICES[@]}"; do
    for i in $(seq 1 "$APIS"); do
      printf '  %-8s %-9s http://127.0.0.1:%s/metrics\n' \
        "$svc" "api-$i" "$(nth_port "${API_PORT[$svc]}" "$i")"
    done
    for i in $(seq 1 "$WORKERS"); do
      printf '  %-8s %-9s http://127.0.0.1:%s/metrics\n' \
        "$svc" "worker-$i" "$(nth_port "${WORKER_METRICS_PORT[$svc]}" "$i")"
    done
  done
  echo "Tip form (residents):    http://127.0.0.1:${API_PORT[tips]}/public/0683/tips/new"
  echo "Subscribe (residents):   http://127.0.0.1:${API_PORT[notify]}/subscribe/0683"
  # The demo's promise and round have ids of their own: the demo wrote where they are.
  grep -h -e "^The citizens' promise, in public:" -e "^A planned round" "$LOGS/demo.log" \
    | tail -n 2 || true
  echo "Mail sent (local sink):  $STATE/mail/index.html"
  echo "SMS sent (gateway stub):  http://127.0.0.1:$SMS_GATEWAY_PORT/"
  echo "Logs: $LOGS"
}

case "${1:-}" in
  install) install ;;
  install-node) install_node ;;
  infra-up) install; pg_start; kafka_start ;;
  up) check_counts; install; pg_start; kafka_start; sinks_start; services_start; load_demo; print_urls ;;
  services-up) services_up ;;
  status) services_status ;;
  down) services_stop; sinks_stop; kafka_stop; pg_stop ;;
  pg-start) pg_start ;;
  pg-stop) pg_stop ;;
  kafka-start | kafka-up) kafka_start ;;
  kafka-stop | kafka-down) kafka_stop TERM ;;
  kafka-kill) kafka_stop KILL ;;
  brokers) kafka_brokers ;;
  kafka-controller) kafka_active_controller ;;
  *) echo "usage: $0 install|install-node|infra-up|up|services-up|status|down|pg-start|pg-stop|kafka-up|kafka-start|kafka-down|kafka-stop|kafka-kill|brokers|kafka-controller" >&2
     exit 2 ;;
esac
