#!/usr/bin/env bash
# A throwaway PostgreSQL server for the storage tests (used by .ci/run and by developers).
#   scripts/test_postgres.sh start   # fresh cluster on 127.0.0.1:$PGPORT, prints the export line
#   scripts/test_postgres.sh stop    # stops it and deletes its data directory
#   scripts/test_postgres.sh url     # prints BUURTBEELD_TEST_PG_URL for the running cluster
# Trust auth on 127.0.0.1 only, fsync off: for tests, never for data you want to keep.
set -euo pipefail

PGPORT="${BUURTBEELD_TEST_PG_PORT:-5433}"
PGDATA_DIR="${BUURTBEELD_TEST_PG_DIR:-/tmp/buurtbeeld-test-pg-$PGPORT}"
ROLE=buurtbeeld
DB=buurtbeeld_test
URL="postgresql+psycopg://$ROLE@127.0.0.1:$PGPORT/$DB"

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
  echo "test_postgres.sh: no initdb found; install PostgreSQL (apt-get install postgresql)" >&2
  exit 1
}

# PostgreSQL refuses to run as root: as root, run the server tools as the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_cluster() {
  local bin
  bin=$(pg_bindir)
  if [ -f "$PGDATA_DIR/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGDATA_DIR" "$PGDATA_DIR.initdb.log"
}

start_cluster() {
  local bin
  bin=$(pg_bindir)
  stop_cluster  # a leftover from an earlier run (crashed CI, laptop reboot) is simply replaced
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; then
    echo "test_postgres.sh: something else already listens on 127.0.0.1:$PGPORT" >&2
    echo "  pick another port: BUURTBEELD_TEST_PG_PORT=5434 $0 start" >&2
    exit 1
  fi
  mkdir -p "$PGDATA_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDATA_DIR"; fi
  chmod 700 "$PGDATA_DIR"
  as_owner "$bin/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$PGDATA_DIR.initdb.log" 2>&1 || { cat "$PGDATA_DIR.initdb.log" >&2; exit 1; }
  # The socket goes into the data dir so two clusters (or the system one) never collide in /tmp.
  as_owner "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 \
    -o "-p $PGPORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$PGDATA_DIR/server.log" >&2; exit 1; }
  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres)
  # CREATEDB: the test fixtures make one database per pytest run, so parallel runs do not collide.
  "${psql[@]}" -d postgres -c "CREATE ROLE $ROLE LOGIN CREATEDB" -c "CREATE DATABASE $DB OWNER $ROLE"
  if [ -n "$(ls /usr/share/postgresql/*/extension/postgis.control 2>/dev/null)" ]; then
    # Installed into template1 so the per-run test databases inherit it (superuser-only step).
    "${psql[@]}" -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis"
    "${psql[@]}" -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS postgis"
  fi
  echo "PostgreSQL for tests on 127.0.0.1:$PGPORT (data: $PGDATA_DIR)" >&2
  echo "export BUURTBEELD_TEST_PG_URL=$URL"
}

case "${1:-}" in
  start) start_cluster ;;
  stop) stop_cluster ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
