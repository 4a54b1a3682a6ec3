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
  (cd "$ROOT" && uv sync --frozen --quiet)
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

install() {
  install_packages; install_browser; install_prometheus; install_python; install_kafka; install_node
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
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
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

kafka_render_config() {
  local dir=$STATE/kafka
  mkdir -p "$dir/data" "$dir/logs"
  sed -e "s#@DATA_DIR@#$dir/data#" -e "s#@PORT@#$KAFKA_PORT#g" \
    -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@PARTITIONS@#$KAFKA_PARTITIONS#" \
    "$ROOT/deploy/kafka/server.properties.in" >"$dir/server.properties"
}

# Sets KJ to the java command line with Kafka's own JVM flags and our jars.
kafka_jvm() {
  local heap=$1
  KJ=(java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true "-Dkafka.logs.dir=$STATE/kafka/logs"
    "-Dlog4j2.configurationFile=$ROOT/deploy/kafka/log4j2.properties"
    -cp "$KAFKA_LIBS/*")
}

kafka_start() {
  install_kafka
  if is_running kafka kafka.Kafka; then log "kafka already running"; return; fi
  kafka_render_config
  if [ ! -f "$STATE/kafka/data/meta.properties" ]; then
    # A fixed development cluster id: the data folder belongs to this stack alone.
    kafka_jvm 256m
    "${KJ[@]}" kafka.tools.StorageTool format --standalone -t 5L6g3nShT-eMCtK--X86sw \
      -c "$STATE/kafka/server.properties" >/dev/null
  fi
  local started=$SECONDS
  kafka_jvm 512m
  start_process kafka kafka.Kafka "${KJ[@]}" kafka.Kafka "$STATE/kafka/server.properties"
  kafka_wait
  log "kafka ready on 127.0.0.1:$KAFKA_PORT after $((SECONDS - started)) s"
  "$PY" -m shared.kafka_admin create-topics --bootstrap "127.0.0.1:$KAFKA_PORT" \
    --partitions "$KAFKA_PARTITIONS"
}

kafka_wait() {
  "$PY" -m shared.kafka_admin wait --bootstrap "127.0.0.1:$KAFKA_PORT" --timeout 120
}

kafka_stop() { stop_process kafka kafka.Kafka "${1:-TERM}"; }

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
    "${svc}_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT"
}

services_start() {
  local svc
  for svc in "${SERVICES[@]}"; do
    env $(service_env "$svc") "$ROOT/.venv/bin/alembic" -c "$ROOT/services/$svc/alembic.ini" \
      upgrade head >>"$LOGS/$svc-migrate.log" 2>&1
    # --no-proxy-headers: only the proxies in <SERVICE>_TRUSTED_PROXIES are believed, in-app.
    start_process "$svc-api" uvicorn env $(service_env "$svc") "$ROOT/.venv/bin/uvicorn" \
      --factory "$svc.app:create_app" --host 127.0.0.1 --port "${API_PORT[$svc]}" --no-access-log \
      --no-proxy-headers
    start_process "$svc-worker" "$svc.worker" env $(service_env "$svc") \
      "${svc^^}_WORKER__METRICS_PORT=${WORKER_METRICS_PORT[$svc]}" "$PY" -m "$svc.worker"
  done
  for svc in "${SERVICES[@]}"; do
    "$PY" -m shared.wait_http "http://127.0.0.1:${API_PORT[$svc]}/livez" --timeout 60
  done
}

services_stop() {
  local svc
  for svc in "${SERVICES[@]}"; do
    stop_process "$svc-api" uvicorn
    stop_process "$svc-worker" "$svc.worker"
  done
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
  local svc
  echo "Trygg is up. API documentation:"
  for svc in "${SERVICES[@]}"; do
    printf '  %-8s http://127.0.0.1:%s/docs\n' "$svc" "${API_PORT[$svc]}"
  done
  echo "Metrics (Prometheus text format; deploy/prometheus/prometheus.yml scrapes these):"
  for svc in "${SERVICES[@]}"; do
    printf '  %-8s api http://127.0.0.1:%s/metrics   worker http://127.0.0.1:%s/metrics\n' \
      "$svc" "${API_PORT[$svc]}" "${WORKER_METRICS_PORT[$svc]}"
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
  up) install; pg_start; kafka_start; sinks_start; services_start; load_demo; print_urls ;;
  down) services_stop; sinks_stop; kafka_stop; pg_stop ;;
  pg-start) pg_start ;;
  pg-stop) pg_stop ;;
  kafka-start) kafka_start ;;
  kafka-stop) kafka_stop TERM ;;
  kafka-kill) kafka_stop KILL ;;
  *) echo "usage: $0 install|install-node|infra-up|up|down|pg-start|pg-stop|kafka-start|kafka-stop|kafka-kill" >&2
     exit 2 ;;
esac
