#!/usr/bin/env bash
# A throwaway PostgreSQL server for the storage tests (used by .ci/run and by developers).
#   eval "$(scripts/test_postgres.sh start)"  # cluster on 127.0.0.1:$PORT; prints export lines
#   scripts/test_postgres.sh stop             # stops it and deletes its data directory
#   scripts/test_postgres.sh url              # prints BUURTBEELD_TEST_PG_URL
# `start` reuses a cluster this script already runs on that port (several people or CI runs on one
# machine share it safely: every pytest run makes its own database in it), and says whether it started
# one (BUURTBEELD_TEST_PG_STARTED=1), so a caller only stops what it started.
# Trust auth on 127.0.0.1 only, fsync off: for tests, never for data you want to keep.
set -euo pipefail

PGPORT="${BUURTBEELD_TEST_PG_PORT:-5433}"
PGDATA_DIR="${BUURTBEELD_TEST_PG_DIR:-/tmp/buurtbeeld-test-pg-$PGPORT}"
LOCK_FILE="/tmp/buurtbeeld-test-pg-$PGPORT.lock"
ROLE=buurtbeeld
DB=buurtbeeld_test
URL="postgresql+psycopg://$ROLE@127.0.0.1:$PGPORT/$DB"
if [ "${1:-}" = url ]; then echo "$URL"; exit 0; fi

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
  echo "test_postgres.sh: no initdb found; install PostgreSQL (apt-get install postgresql)" >&2
  exit 1
}
BIN=$(pg_bindir)

# PostgreSQL refuses to run as root: as root, run the server tools as the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ours_is_running() {
  [ -f "$PGDATA_DIR/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1 \
    && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"
}

psql_admin() {
  PGOPTIONS="-c client_min_messages=warning" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"
}

ensure_role_and_database() {
  # CREATEDB: the test fixtures make one database per pytest run, so parallel runs do not collide.
  psql_admin -d postgres -tA -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'" | grep -q 1 \
    || psql_admin -d postgres -c "CREATE ROLE $ROLE LOGIN CREATEDB"
  psql_admin -d postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
    || psql_admin -d postgres -c "CREATE DATABASE $DB OWNER $ROLE"
  if [ -n "$(ls /usr/share/postgresql/*/extension/postgis.control 2>/dev/null)" ]; then
    # In template1 so the per-run test databases inherit it (creating extensions needs a superuser).
    psql_admin -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis"
    psql_admin -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS postgis"
  fi
}

stop_cluster() {
  if [ -f "$PGDATA_DIR/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGDATA_DIR" "$PGDATA_DIR.initdb.log"
}

start_cluster() {
  local started=0
  if ours_is_running; then
    echo "Reusing the test PostgreSQL on 127.0.0.1:$PGPORT (data: $PGDATA_DIR)" >&2
  else
    stop_cluster  # a leftover of a crashed run or a reboot is simply replaced
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
      echo "test_postgres.sh: something else already listens on 127.0.0.1:$PGPORT" >&2
      echo "  pick another port: BUURTBEELD_TEST_PG_PORT=5434 $0 start" >&2
      exit 1
    fi
    mkdir -p "$PGDATA_DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDATA_DIR"; fi
    chmod 700 "$PGDATA_DIR"
    as_owner "$BIN/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$PGDATA_DIR.initdb.log" 2>&1 || { cat "$PGDATA_DIR.initdb.log" >&2; exit 1; }
    # The socket goes into the data dir so it never collides with the system cluster's in /tmp.
    as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 \
      -o "-p $PGPORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 9>&- || { cat "$PGDATA_DIR/server.log" >&2; exit 1; }  # the server must not inherit the lock
    started=1
    echo "Started a test PostgreSQL on 127.0.0.1:$PGPORT (data: $PGDATA_DIR)" >&2
  fi
  ensure_role_and_database
  echo "export BUURTBEELD_TEST_PG_URL=$URL"
  echo "export BUURTBEELD_TEST_PG_STARTED=$started"
}

# One start/stop at a time per port: two CI runs or developers must not initdb the same directory at once.
exec 9>"$LOCK_FILE"
flock -w 120 9 || { echo "test_postgres.sh: $LOCK_FILE is held by another start/stop" >&2; exit 1; }
case "${1:-}" in
  start) start_cluster ;;
  stop) stop_cluster ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
