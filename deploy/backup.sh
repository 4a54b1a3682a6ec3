#!/usr/bin/env bash
# Backup and restore of the four services' databases: a base backup of the whole PostgreSQL
# cluster (pg_basebackup), and, once `archive-on` has run, every WAL segment archived into a
# folder, so the cluster can be brought back to any moment after a base backup.
#
#   deploy/backup.sh archive-on                 archive WAL from now on (restarts PostgreSQL)
#   deploy/backup.sh backup [DIR]               a base backup into DIR (default: a new folder
#                                               under $TRYGG_STATE_DIR/backups)
#   deploy/backup.sh restore FROM [--to TIME | --latest] [--data DIR --port PORT]
#
# restore without --data replaces the stack's cluster (kept aside, never deleted) and moves the
# consumer groups back to where they were when the backup began; with --data and --port it
# starts a separate cluster from the backup there, for a drill, and leaves the stack alone.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${TRYGG_STATE_DIR:-$ROOT/.state/dev}
PG_PORT=${TRYGG_PG_PORT:-55432}
KAFKA_PORT=${TRYGG_KAFKA_PORT:-9092}
PG_USER=trygg
export PGPASSWORD=${TRYGG_PG_PASSWORD:-trygg-dev-only}
PG_BIN=/usr/lib/postgresql/15/bin
PY=$ROOT/.venv/bin/python
BACKUPS=${TRYGG_BACKUP_DIR:-$STATE/backups}
ARCHIVE=${TRYGG_WAL_ARCHIVE:-$STATE/wal-archive}
SERVICES=(walks tips patrols notify)

log() { echo "[backup] $*" >&2; }
fail() { log "$*"; exit 1; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The postgres user must own what its server writes and reach it through every parent folder.
hand_to_postgres() {
  [ "$(id -u)" = 0 ] || return 0
  chown -R postgres:postgres "$1"
  local dir
  dir=$(dirname "$1")
  while [ "$dir" != / ]; do chmod o+x "$dir"; dir=$(dirname "$dir"); done
}

psql_at() {  # port sql
  psql -h 127.0.0.1 -p "$1" -U "$PG_USER" -d postgres -qtAc "$2"
}

# --- archiving --------------------------------------------------------------------------------

archive_on() {
  mkdir -p "$ARCHIVE"
  hand_to_postgres "$ARCHIVE"
  # `test ! -f`: a segment already archived is never overwritten (PostgreSQL's own advice).
  psql_at "$PG_PORT" "ALTER SYSTEM SET archive_mode = 'on'"
  psql_at "$PG_PORT" "ALTER SYSTEM SET archive_command = 'test ! -f ''$ARCHIVE/%f'' && cp ''%p'' ''$ARCHIVE/%f'''"
  psql_at "$PG_PORT" "ALTER SYSTEM SET archive_timeout = '60s'"
  log "WAL goes to $ARCHIVE from the restart on; restarting PostgreSQL"
  "$ROOT/deploy/stack.sh" pg-stop
  "$ROOT/deploy/stack.sh" pg-start
}

archiving() { [ "$(psql_at "$PG_PORT" "SHOW archive_mode")" = on ]; }

# --- backup -----------------------------------------------------------------------------------

# The consumer groups' offsets, taken before the base backup begins: every event before them
# was handled in a transaction committed before the backup, so it is in the backup.
save_offsets() {
  local out=$1/consumer-offsets.json
  if timeout 60 "$PY" -m shared.rewind --bootstrap "127.0.0.1:$KAFKA_PORT" --save "$out"; then
    return
  fi
  rm -f "$out"
  log "Kafka did not answer: no consumer offsets saved; after a restore rewind with --to"
}

backup() {
  local dir=${1:-$BACKUPS/$(date -u +%Y%m%dT%H%M%SZ)}
  [ -e "$dir/base" ] && fail "$dir already holds a backup"
  mkdir -p "$dir"
  save_offsets "$dir"
  local started
  started=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
  log "base backup of the cluster on port $PG_PORT into $dir/base"
  "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -D "$dir/base" -Fp \
    -X stream --checkpoint=fast --label="trygg $started" --manifest-checksums=SHA256
  "$PG_BIN/pg_verifybackup" --quiet "$dir/base"
  {
    echo "started_at=$started"
    echo "finished_at=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)"
    echo "source_port=$PG_PORT"
    echo "wal_archive=$(archiving && echo "$ARCHIVE" || echo none)"
  } >"$dir/backup.info"
  log "done: $dir (verified against its manifest)"
  echo "$dir"
}

# --- restore ----------------------------------------------------------------------------------

# Archive recovery, ending at the backup's consistent point (`immediate`), at a time, or at the
# end of the archive, then a new timeline: WAL archived afterwards never collides with the
# source's. restore_command reads the archive; a segment not there comes from the backup's own.
recovery_settings() {  # data target
  local data=$1 target=$2
  {
    echo "# restored from a base backup by deploy/backup.sh"
    echo "restore_command = 'cp ''$ARCHIVE/%f'' ''%p'''"
    echo "recovery_target_action = 'promote'"
    case "$target" in
      immediate) echo "recovery_target = 'immediate'" ;;
      latest) ;;
      *) echo "recovery_target_time = '$target'" ;;
    esac
  } >>"$data/postgresql.conf"
  touch "$data/recovery.signal"
}

copy_backup() {  # from data
  [ -f "$1/base/backup_manifest" ] || fail "$1 holds no base backup"
  [ -e "$2" ] && fail "$2 exists; restore only into a folder that does not"
  mkdir -p "$(dirname "$2")"
  cp -a "$1/base" "$2"
  rm -f "$2/backup_manifest"
  chmod 700 "$2"
}

wait_promoted() {  # port
  for _ in $(seq 1 600); do
    [ "$(psql_at "$1" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && return
    sleep 0.5
  done
  fail "PostgreSQL on port $1 is still recovering after 5 minutes"
}

# A separate cluster from the backup, on its own folder and port, not archiving: a drill.
restore_beside() {  # from target data port
  local from=$1 target=$2 data=$3 port=$4
  copy_backup "$from" "$data"
  {
    echo "port = $port"
    echo "archive_mode = 'off'"
  } >>"$data/postgresql.conf"
  recovery_settings "$data" "$target"
  hand_to_postgres "$data"
  as_postgres "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 300 \
    start >/dev/null
  wait_promoted "$port"
  log "restored into $data on port $port; stop it with: kill -INT $(head -1 "$data/postmaster.pid")"
}

# The stack's own cluster, replaced by the backup; the replaced one is kept beside it.
restore_in_place() {  # from target
  local from=$1 target=$2 data=$STATE/pg/data
  if [ -f "$data/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null; then
    fail "PostgreSQL is running on $data: stop the stack first (make down)"
  fi
  local kept=$data.replaced-$(date -u +%Y%m%dT%H%M%SZ)
  [ -e "$data" ] && mv "$data" "$kept" && log "the replaced cluster is kept in $kept"
  copy_backup "$from" "$data"
  recovery_settings "$data" "$target"
  hand_to_postgres "$data"
  "$ROOT/deploy/stack.sh" pg-start
  wait_promoted "$PG_PORT"
  "$ROOT/deploy/stack.sh" kafka-start
  rewind_groups "$from" "$target"
}

# Consumed after the backup, handled, and gone with the restore: move the groups back so the
# workers consume those events again; the inbox drops what the restored databases have.
rewind_groups() {  # from target
  local svc how
  if [ -f "$1/consumer-offsets.json" ]; then
    how=(--saved "$1/consumer-offsets.json")
  elif [ "$2" != immediate ] && [ "$2" != latest ]; then
    how=(--to "$2")
  else
    how=(--to "$(sed -n 's/^started_at=//p' "$1/backup.info")")
  fi
  for svc in "${SERVICES[@]}"; do
    "$PY" -m shared.rewind --bootstrap "127.0.0.1:$KAFKA_PORT" --service "$svc" "${how[@]}"
  done
  log "restored; \`make up\` starts the services: relays publish again what looks unpublished"
}

restore() {
  local from=${1:-} target=immediate data="" port=""
  [ -n "$from" ] || fail "usage: $0 restore FROM [--to TIME | --latest] [--data DIR --port PORT]"
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --to) target=$2; shift 2 ;;
      --latest) target=latest; shift ;;
      --data) data=$2; shift 2 ;;
      --port) port=$2; shift 2 ;;
      *) fail "unknown option $1" ;;
    esac
  done
  from=$(cd "$from" && pwd)
  if [ -n "$data" ]; then
    [ -n "$port" ] || fail "--data needs --port"
    restore_beside "$from" "$target" "$data" "$port"
  else
    restore_in_place "$from" "$target"
  fi
}

case "${1:-}" in
  archive-on) archive_on ;;
  backup) backup "${2:-}" ;;
  restore) shift; restore "$@" ;;
  *) echo "usage: $0 archive-on|backup [DIR]|restore FROM [--to TIME|--latest] [--data DIR --port PORT]" >&2
     exit 2 ;;
esac
