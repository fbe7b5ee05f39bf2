#!/usr/bin/env bash
# Load on `migrate serve`: C concurrent keep-alive clients share N requests of
# /api/migrations/status; reports requests/s, p50/p99 latency, the server's RSS, and the
# transactions the server ran on its PostgreSQL database meanwhile (pg_stat_database), to
# show that reads are shared: at most one status read per --cache window.
#
# Usage: bench/serve_load.sh [CONNECTIONS=64] [REQUESTS=20000] [CACHE=2s]
#   (after deployment/setup.sh has built build/; needs MIGRATE_TEST_PG_URL, a PostgreSQL
#   URL whose user may create a database: a throwaway cluster: `source deployment/lib/pg_cluster.sh && pg_cluster_start`)
# Prints a markdown table; exits 1 if a request failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
connections=${1:-64}
requests=${2:-20000}
cache=${3:-2s}
migrate=$PWD/build/migrate
[ -x "$migrate" ] || { echo "bench: build first: deployment/setup.sh" >&2; exit 2; }
admin_url=${MIGRATE_TEST_PG_URL:?bench: set MIGRATE_TEST_PG_URL to a PostgreSQL URL that may create databases}

work=$(mktemp -d)
db=serve_bench_$$
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  psql -qX "$admin_url" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The load client (bench/lib/serve_load.cpp), against Debian's cpp-httplib like the server.
read -ra httplib_flags <<<"$(pkg-config --cflags --libs cpp-httplib)"
c++ -O2 -std=c++17 -o "$work/load" bench/lib/serve_load.cpp "${httplib_flags[@]}" -lpthread

# Two services: one on a PostgreSQL database of its own (so its transaction count is the
# server's alone), one on a SQLite file; ten revisions each, eight applied.
psql -qX "$admin_url" -c "CREATE DATABASE $db" >/dev/null
pg_url=${admin_url%/*}/$db
printf '[services.pg]\nmigrations = "pg"\ndatabase_url_env = "BENCH_PG_URL"\n' >"$work/migrate.toml"
printf '[services.lite]\nmigrations = "lite"\ndatabase_url_env = "BENCH_LITE_URL"\n' >>"$work/migrate.toml"
for service in pg lite; do
  mkdir -p "$work/$service"
  for i in $(seq 1 10); do
    printf 'CREATE TABLE t_%d (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n' "$i" >"$work/$service/$(printf %04d "$i")_t_$i.up.sql"
    printf 'DROP TABLE t_%d;\n' "$i" >"$work/$service/$(printf %04d "$i")_t_$i.down.sql"
  done
done
export BENCH_PG_URL=$pg_url BENCH_LITE_URL=sqlite:$work/lite.db
for service in pg lite; do (cd "$work" && "$migrate" -q up "$service" --to 8 --yes --no-backup >/dev/null); done

# xacts: the transactions committed and rolled back in the bench database so far. A
# backend reports its counts when it ends, or at most once a second while it lives.
xacts() {
  psql -qAtX "$admin_url" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$db'" | tail -n 1
}

(cd "$work" && exec "$migrate" serve --listen 127.0.0.1:0 --cache "$cache" >"$work/serve.out" 2>"$work/serve.err") &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q 'listening on' "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -nE 's#^listening on http://127\.0\.0\.1:([0-9]+)/$#\1#p' "$work/serve.out")
[ -n "$port" ] || { echo "bench: the server did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }

sleep 2
before=$(xacts)
started=$(date +%s%N)
"$work/load" 127.0.0.1 "$port" /api/migrations/status "$connections" "$requests" >"$work/load.out" || {
  echo "bench: some requests failed:" >&2; cat "$work/load.out" >&2; exit 1; }
ms=$(( ($(date +%s%N) - started) / 1000000 ))
rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")
hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")
threads=$(awk '/^Threads:/ {print $2}' "/proc/$server_pid/status")
kill -TERM "$server_pid"
wait "$server_pid" || { echo "bench: the server exited with $?" >&2; exit 1; }
server_pid=
sleep 1.5  # the server's backends have ended and reported their counts
after=$(xacts)

# One status read's transactions: a server made to read once, alone.
(cd "$work" && exec "$migrate" serve --listen 127.0.0.1:0 --cache 1h >"$work/one.out" 2>/dev/null) &
server_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/one.out" 2>/dev/null && break; sleep 0.1; done
one_port=$(sed -nE 's#^listening on http://127\.0\.0\.1:([0-9]+)/$#\1#p' "$work/one.out")
one_before=$(xacts)
curl -fsS -o /dev/null "http://127.0.0.1:$one_port/api/migrations/status"
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=
sleep 1.5
per_read=$(( $(xacts) - one_before ))

field() { awk -v k="$1" '$1 == k {print $2}' "$work/load.out"; }
windows=$(awk -v ms="$ms" -v c="$cache" 'BEGIN {sub(/s$/, "", c); printf "%d", ms / 1000 / c + 1}')
reads=$(awk -v x="$(( after - before ))" -v p="$per_read" 'BEGIN {printf "%.1f", (p > 0 ? x / p : 0)}')
echo "| connections | requests | req/s | p50 | p99 | max | server RSS (peak) | threads | db transactions | per status read | status reads | ${cache} windows |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '| %s | %s | %s | %s ms | %s ms | %s ms | %s MiB (%s MiB) | %s | %s | %s | %s | %s |\n' \
  "$connections" "$(field requests)" "$(field rps)" "$(field p50_ms)" "$(field p99_ms)" "$(field max_ms)" \
  "$(awk -v k="$rss_kb" 'BEGIN {printf "%.1f", k / 1024}')" "$(awk -v k="$hwm_kb" 'BEGIN {printf "%.1f", k / 1024}')" \
  "$threads" "$(( after - before ))" "$per_read" "$reads" "$windows"
