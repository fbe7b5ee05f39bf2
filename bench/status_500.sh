#!/usr/bin/env bash
# Measures migrate's own overhead: `status` and no-op `up` with N applied revisions, and
# applying N revisions against the psql floor, on PostgreSQL 15 and SQLite.
#
# Usage: bench/status_500.sh [N=500] [RUNS=7]   (after deployment/setup.sh has built build/)
# Prints a markdown table of medians.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-500}
runs=${2:-7}
migrate=$PWD/build/migrate
[ -x "$migrate" ] || { echo "bench: build first: deployment/setup.sh" >&2; exit 2; }

# shellcheck source=../deployment/lib/pg_cluster.sh disable=SC1091
source deployment/lib/pg_cluster.sh
work=$(mktemp -d)
cleanup() { pg_cluster_stop || true; rm -rf "$work"; }
trap cleanup EXIT
pg_cluster_start >/dev/null
psql_bin="$PG_BIN/psql"

# The workload: revision i creates t_i with an index and 10 rows; its down drops it.
mkdir -p "$work/m"
printf '[services.bench]\nmigrations = "m"\n' > "$work/migrate.toml"
for i in $(seq 1 "$n"); do
  v=$(printf '%04d' "$i")
  cat > "$work/m/${v}_t_${i}.up.sql" <<SQL
CREATE TABLE t_$i (id INTEGER PRIMARY KEY, name TEXT NOT NULL, payload TEXT);
CREATE INDEX t_${i}_name ON t_$i (name);
INSERT INTO t_$i (id, name, payload) VALUES (1,'a','{}'),(2,'b','{}'),(3,'c','{}'),(4,'d','{}'),(5,'e','{}'),
  (6,'f','{}'),(7,'g','{}'),(8,'h','{}'),(9,'i','{}'),(10,'j','{}');
SQL
  echo "DROP TABLE t_$i;" > "$work/m/${v}_t_${i}.down.sql"
done

now_ms() { date +%s%3N; }
# median of the remaining arguments
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_runs SETUP CMD: runs SETUP (untimed) then CMD (timed), RUNS times; prints the median ms.
time_runs() {
  local setup=$1 cmd=$2 samples=() start
  for _ in $(seq 1 "$runs"); do
    eval "$setup"
    start=$(now_ms)
    eval "$cmd" >/dev/null
    samples+=($(( $(now_ms) - start )))
  done
  median "${samples[@]}"
}

fresh_pg() { "$psql_bin" -q "$MIGRATE_TEST_PG_URL" -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'; }
pg_url=${MIGRATE_TEST_PG_URL%/postgres}/bench
sqlite_db=$work/bench.db
fresh_sqlite() { rm -f "$sqlite_db"; }

# The psql floor: one session, each revision as BEGIN; <up>; INSERT history; COMMIT.
floor_script=$work/floor.sql
{
  echo "CREATE TABLE floor_history (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ DEFAULT now());"
  for f in "$work"/m/*.up.sql; do
    v=$(basename "$f" | cut -d_ -f1)
    echo "BEGIN;"; cat "$f"; echo "INSERT INTO floor_history (version) VALUES ($((10#$v)));"; echo "COMMIT;"
  done
} > "$floor_script"

m() { "$migrate" --config "$work/migrate.toml" -q "$@"; }

pg_apply=$(time_runs fresh_pg "m --database-url '$pg_url' up --yes")
pg_floor=$(time_runs fresh_pg "'$psql_bin' -q -v ON_ERROR_STOP=1 '$pg_url' -f '$floor_script'")
fresh_pg; m --database-url "$pg_url" up --yes
pg_status=$(time_runs : "m --database-url '$pg_url' status")
pg_noop=$(time_runs : "m --database-url '$pg_url' up --yes")
pg_down=$(time_runs "fresh_pg; m --database-url '$pg_url' up --yes" "m --database-url '$pg_url' down bench --all --yes")
sq_apply=$(time_runs fresh_sqlite "m --database-url 'sqlite://$sqlite_db' up --yes")
sq_down=$(time_runs "fresh_sqlite; m --database-url 'sqlite://$sqlite_db' up --yes" "m --database-url 'sqlite://$sqlite_db' down bench --all --yes")
fresh_sqlite; m --database-url "sqlite://$sqlite_db" up --yes
sq_status=$(time_runs : "m --database-url 'sqlite://$sqlite_db' status")
sq_noop=$(time_runs : "m --database-url 'sqlite://$sqlite_db' up --yes")

echo "N=$n revisions, median of $runs runs, $(nproc) cores, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (fsync off), SQLite $(sqlite3 --version 2>/dev/null | awk '{print $1}')"
echo
echo "| measurement | PostgreSQL | SQLite |"
echo "|---|---|---|"
echo "| \`migrate up\` applying $n revisions | ${pg_apply} ms | ${sq_apply} ms |"
echo "| psql floor for the same $n revisions | ${pg_floor} ms | - |"
echo "| \`migrate status\` with $n applied | ${pg_status} ms | ${sq_status} ms |"
echo "| no-op \`migrate up\` with $n applied | ${pg_noop} ms | ${sq_noop} ms |"
echo "| \`migrate down --all\` of $n | ${pg_down} ms | ${sq_down} ms |"
awk -v a="$pg_apply" -v f="$pg_floor" -v n="$n" 'BEGIN { printf "\napply vs psql floor on PostgreSQL: %.2fx (%.3f ms per revision above the floor)\n", a/f, (a-f)/n }'
