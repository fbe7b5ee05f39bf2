#!/usr/bin/env bash
# Throughput and peak memory of `migrate transfer run` (SQLite -> PostgreSQL) against
# pgloader and the typed floor (`sqlite3 -csv | psql \copy`), on a seeded SQLite file of
# 1,000,000 users and 200,000 events (events.user_id references users.id), each tool
# loading a fresh, empty, typed target database. See bench/README.md.
#
# Usage: bench/transfer.sh [--runs 3] [--users 1000000] [--large-batch 50000]
#                          [--cache DIR] [--migrate PATH]
#   (after deployment/setup.sh has built build/; installs pgloader, sqlite3 and GNU time
#   with apt when missing. Uses the PostgreSQL of MIGRATE_TEST_PG_URL when it is set,
#   else starts a throwaway PostgreSQL 15 cluster with deployment/lib/pg_cluster.sh.)
# Prints markdown tables on stdout; exits 1 when a tool failed or loaded other rows than
# the source holds.
# shellcheck disable=SC2317  # the functions run from the EXIT trap and from child shells
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
command_line="bench/transfer.sh${*:+ $*}"
runs=3
users=1000000
large_batch=50000
cache=${XDG_CACHE_HOME:-$HOME/.cache}/migrate-bench/transfer
migrate=$root/build/migrate
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --large-batch) large_batch=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --migrate) migrate=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $users =~ ^[1-9][0-9]*$ && $large_batch =~ ^[1-9][0-9]*$ ]] ||
  { echo "bench: --runs, --users and --large-batch take positive integers" >&2; exit 2; }
[[ -x $migrate ]] || { echo "bench: build first: deployment/setup.sh (or give --migrate PATH)" >&2; exit 2; }
events=$((users / 5))
small_users=$((users / 10))
small_events=$((events / 10))

# --- what it needs -----------------------------------------------------------------------
# shellcheck source=lib/peers.sh disable=SC1091
source bench/lib/peers.sh
_peers_apt sqlite3 pgloader time python3 ||
  { echo "bench: apt-get install sqlite3 pgloader time python3 failed" >&2; exit 2; }

work=$(mktemp -d)
chmod 755 "$work"
databases=()
started_cluster=false
# shellcheck source=../deployment/lib/pg_cluster.sh disable=SC1091
source deployment/lib/pg_cluster.sh
cleanup() {
  local db
  for db in "${databases[@]}"; do
    "$psql" -qX -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
  if $started_cluster; then pg_cluster_stop || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
if [[ -z ${MIGRATE_TEST_PG_URL:-} ]]; then
  pg_cluster_start >/dev/null
  started_cluster=true
fi
psql=${PG_BIN:-/usr/lib/postgresql/15/bin}/psql  # the real client: /usr/bin/psql is a Perl wrapper

# The server's address and credentials reach psql, pgloader and migrate through the
# environment only (PGHOST…PGPASSWORD, and the target URL in BENCH_TARGET_URL), never argv.
eval "$(python3 - <<'EOF'
import os, shlex, urllib.parse
u = urllib.parse.urlsplit(os.environ["MIGRATE_TEST_PG_URL"])
for name, value in (("PGHOST", u.hostname or "127.0.0.1"), ("PGPORT", u.port or 5432),
                    ("PGUSER", urllib.parse.unquote(u.username or "postgres")),
                    ("PGPASSWORD", urllib.parse.unquote(u.password or ""))):
    print(f"export {name}={shlex.quote(str(value))}")
EOF
)"
admin_url=$MIGRATE_TEST_PG_URL

# --- the source files (seeded, cached) --------------------------------------------------
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
source_file() {  # source_file USERS EVENTS: prints the path, generating the file when absent
  local path="$cache/transfer_v1_${1}u_${2}e.db"
  if [[ ! -s $path ]]; then
    echo "bench: generating $path" >&2
    python3 bench/lib/transfer_data.py "$path" "$1" "$2"
  fi
  echo "$path"
}
big=$(source_file "$users" "$events")
small=$(source_file "$small_users" "$small_events")

# A fingerprint of what a target must hold: per table the row count and sums over every
# converted column, computed the same way on the SQLite source and the PostgreSQL target.
sqlite_fingerprint() {
  sqlite3 "$1" "SELECT count(*), sum(active), sum(created_at), sum(length(name)), sum(length(profile) > 0),
                       sum(CAST(round(score * 1000) AS INTEGER)) FROM users;
                SELECT count(*), sum(user_id), sum(at), sum(length(kind)) FROM events;"
}
pg_fingerprint() {
  "$psql" -qAtX -v ON_ERROR_STOP=1 -d "$1" -c "
    SELECT count(*), sum(active::int), sum(extract(epoch FROM created_at))::bigint, sum(length(name)),
           count(*) FILTER (WHERE jsonb_typeof(profile) = 'object'), sum(round(score * 1000)::bigint)
    FROM users" -c "SELECT count(*), sum(user_id), sum(extract(epoch FROM at))::bigint, sum(length(kind)) FROM events"
}
declare -A expected
expected[$big]=$(sqlite_fingerprint "$big")
expected[$small]=$(sqlite_fingerprint "$small")
rows_of() { awk -F'|' '{n += $1} END {print n}' <<<"${expected[$1]}"; }

# --- the target: a migrate project whose one revision is the typed schema ---------------
mkdir -p "$work/project/migrations"
cat >"$work/project/migrations/0001_schema.up.sql" <<'EOF'
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, score double precision, active boolean NOT NULL,
                    profile jsonb, created_at timestamptz NOT NULL);
CREATE TABLE events (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), kind text NOT NULL,
                     at timestamptz NOT NULL);
EOF
printf 'DROP TABLE events, users;\n' >"$work/project/migrations/0001_schema.down.sql"
cat >"$work/project/migrate.toml" <<EOF
[services.bench]
migrations = "migrations"
database_url_env = "BENCH_TARGET_URL"

[transfers.big]
from = "sqlite:$big"
to = "bench"
batch = 1000

[transfers.small]
from = "sqlite:$small"
to = "bench"
batch = 1000

# PostgreSQL -> PostgreSQL, old schema to new: tables and columns renamed, a column
# skipped, the event kinds normalised by a value map.
[transfers.pgpg]
from = "env:BENCH_SOURCE_URL"
to = "bench"
batch = 1000
[transfers.pgpg.tables.User]
to = "users"
columns = { user_id = "id", user_name = "name", is_active = "active", created = "created_at" }
skip = ["legacy_flag"]
[transfers.pgpg.tables.Event]
to = "events"
columns = { event_id = "id" }
values = { kind = { LOGIN = "login", LOGOUT = "logout", PURCHASE = "purchase", VIEW = "view", SHARE = "share", COMMENT = "comment", REFUND = "refund", SIGNUP = "signup" } }
EOF

# fresh_target NAME: an empty database with the typed schema; exports BENCH_TARGET_URL.
fresh_target() {
  PGOPTIONS='-c client_min_messages=warning' "$psql" -qX -v ON_ERROR_STOP=1 -d postgres \
    -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
  databases+=("$1")
  export BENCH_TARGET_URL="${admin_url%/*}/$1"
  (cd "$work/project" && "$migrate" -q up bench --yes --no-backup >/dev/null 2>"$work/up.err") ||
    { echo "bench: migrate up of the target schema failed:" >&2; cat "$work/up.err" >&2; exit 1; }
}

# The old schema of the PostgreSQL -> PostgreSQL copy: what a rewritten service moves away
# from (Prisma-style names, a deprecated column, upper-case enum text).
old_schema='CREATE TABLE "User" (user_id bigint PRIMARY KEY, user_name text NOT NULL, score double precision,
                     is_active boolean NOT NULL, profile jsonb, created timestamptz NOT NULL, legacy_flag text);
CREATE TABLE "Event" (event_id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES "User" (user_id),
                      kind text NOT NULL, at timestamptz NOT NULL);'
# The fingerprint of a target in the old shape (pgloader copies PostgreSQL without mapping):
# the same figures, upper-case kinds having the lengths of the lower-case ones.
pg_fingerprint_old() {
  "$psql" -qAtX -v ON_ERROR_STOP=1 -d "$1" -c "
    SELECT count(*), sum(is_active::int), sum(extract(epoch FROM created))::bigint, sum(length(user_name)),
           count(*) FILTER (WHERE jsonb_typeof(profile) = 'object'), sum(round(score * 1000)::bigint)
    FROM \"User\"" -c "SELECT count(*), sum(user_id), sum(extract(epoch FROM at))::bigint, sum(length(kind)) FROM \"Event\""
}
# old_target NAME: an empty database with the old schema.
old_target() {
  PGOPTIONS='-c client_min_messages=warning' "$psql" -qX -v ON_ERROR_STOP=1 -d postgres \
    -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
  databases+=("$1")
  "$psql" -qX -v ON_ERROR_STOP=1 -d "$1" -c "$old_schema" >/dev/null
}

# The commands of each tool; each gets the SQLite file and the target database's name.
run_migrate() {  # run_migrate TRANSFER [--batch N]
  cd "$work/project" && exec "$migrate" --json transfer run "$@" --yes --no-backup
}
run_pgloader() {  # run_pgloader SOURCE DB
  # Into the existing typed tables: no DDL but the foreign key, which pgloader cannot order
  # by (it copies tables concurrently): set aside before the load, validated after it.
  cat >"$work/$2.load" <<EOF
LOAD DATABASE
  FROM sqlite://$1
  INTO postgresql://$PGUSER@$PGHOST:$PGPORT/$2
  WITH data only, create no tables, create no indexes, no truncate, reset no sequences
  CAST column users.created_at to timestamptz using unix-timestamp-to-timestamptz,
       column events.at to timestamptz using unix-timestamp-to-timestamptz,
       column users.active to boolean,
       column users.score to "double precision" using float-to-string,
       column users.profile to jsonb
  BEFORE LOAD DO \$\$ ALTER TABLE events DROP CONSTRAINT events_user_id_fkey; \$\$
  AFTER LOAD DO \$\$ ALTER TABLE events ADD CONSTRAINT events_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id); \$\$;
EOF
  exec pgloader --root-dir "$work/pgloader" "$work/$2.load"
}
run_floor() {  # run_floor SOURCE DB: one pipe per table, the values typed by SQLite's SQL
  set -o pipefail
  sqlite3 -csv "$1" "SELECT id, name, score, CASE active WHEN 1 THEN 't' ELSE 'f' END, profile,
                            datetime(created_at, 'unixepoch') || '+00' FROM users" |
    "$psql" -qX -v ON_ERROR_STOP=1 -d "$2" -c '\copy users (id, name, score, active, profile, created_at) FROM STDIN CSV'
  sqlite3 -csv "$1" "SELECT id, user_id, kind, datetime(at, 'unixepoch') || '+00' FROM events" |
    "$psql" -qX -v ON_ERROR_STOP=1 -d "$2" -c '\copy events (id, user_id, kind, at) FROM STDIN CSV'
}

# `no foreign keys`: pgloader 3.6.7 stops on reading a PostgreSQL source's foreign keys
# without indexes ("NIL is not of type INDEX"); the key is set aside and added back here.
run_pgloader_pg() {  # run_pgloader_pg SOURCE_DB DB: the old schema copied as it is (pgloader maps no columns)
  cat >"$work/$2.load" <<EOF
LOAD DATABASE
  FROM pgsql://$PGUSER@$PGHOST:$PGPORT/$1
  INTO pgsql://$PGUSER@$PGHOST:$PGPORT/$2
  WITH data only, create no tables, create no indexes, no foreign keys, no truncate, reset no sequences
  BEFORE LOAD DO \$\$ ALTER TABLE "Event" DROP CONSTRAINT "Event_user_id_fkey"; \$\$
  AFTER LOAD DO \$\$ ALTER TABLE "Event" ADD CONSTRAINT "Event_user_id_fkey" FOREIGN KEY (user_id) REFERENCES "User" (user_id); \$\$;
EOF
  exec pgloader --root-dir "$work/pgloader" "$work/$2.load"
}
run_floor_pg() {  # run_floor_pg SOURCE_DB DB: \copy out of the old tables into the new, mapped in SQL
  set -o pipefail
  "$psql" -qX -v ON_ERROR_STOP=1 -d "$1" \
    -c '\copy (SELECT user_id, user_name, score, is_active, profile, created FROM "User") TO STDOUT' |
    "$psql" -qX -v ON_ERROR_STOP=1 -d "$2" -c '\copy users (id, name, score, active, profile, created_at) FROM STDIN'
  "$psql" -qX -v ON_ERROR_STOP=1 -d "$1" \
    -c '\copy (SELECT event_id, user_id, lower(kind), at FROM "Event") TO STDOUT' |
    "$psql" -qX -v ON_ERROR_STOP=1 -d "$2" -c '\copy events (id, user_id, kind, at) FROM STDIN'
}

# Each tool runs in a child bash under GNU time, whose peak RSS is the largest of the
# processes it waited for (for the floor: sqlite3's or psql's).
export -f run_migrate run_pgloader run_floor run_pgloader_pg run_floor_pg
export work migrate psql

# measure LABEL SOURCE KIND ARGS…: one run from a fresh target; appends "seconds kib" to
# $work/LABEL.runs, or records the failure in $work/LABEL.failed.
measure() {
  local label=$1 src=$2 kind=$3 db="transfer_bench_$$_${1//[^a-z0-9]/_}" fingerprint=pg_fingerprint
  shift 3
  if [[ $kind == pgloader_pg ]]; then
    old_target "$db"
    fingerprint=pg_fingerprint_old
  else
    fresh_target "$db"
  fi
  local t0 t1 rc=0
  t0=$(date +%s%N)
  case $kind in
    migrate) /usr/bin/time -f %M -o "$work/time" bash -c 'run_migrate "$@"' _ "$@" ;;
    pgloader) /usr/bin/time -f %M -o "$work/time" bash -c 'run_pgloader "$@"' _ "$src" "$db" ;;
    floor) /usr/bin/time -f %M -o "$work/time" bash -c 'run_floor "$@"' _ "$src" "$db" ;;
    pgloader_pg) /usr/bin/time -f %M -o "$work/time" bash -c 'run_pgloader_pg "$@"' _ "$source_db" "$db" ;;
    floor_pg) /usr/bin/time -f %M -o "$work/time" bash -c 'run_floor_pg "$@"' _ "$source_db" "$db" ;;
  esac >"$work/$label.out" 2>"$work/$label.err" || rc=$?
  t1=$(date +%s%N)
  local got
  got=$("$fingerprint" "$db" 2>&1) || true
  if [[ $rc -ne 0 ]]; then
    echo "exited $rc: $(grep -v '^$' "$work/$label.err" | tail -n 3 | tr '\n' ' ' | cut -c1-300)" >"$work/$label.failed"
  elif [[ $got != "${expected[$src]}" ]]; then
    echo "target differs from the source: expected $(tr '\n' ' ' <<<"${expected[$src]}"), got $(tr '\n' ' ' <<<"$got")" >"$work/$label.failed"
  else
    echo "$(( (t1 - t0) / 1000000 )) $(tail -n 1 "$work/time")" >>"$work/$label.runs"
  fi
  if [[ $kind == pgloader* ]]; then  # its own figure: rows and seconds of "Total import time"
    awk '/Total import time/ {print $(NF-3), $NF}' "$work/$label.out" "$work/$label.err" | tail -n 1 >>"$work/$label.own"
  fi
  "$psql" -qX -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
}

# The PostgreSQL source of the PostgreSQL -> PostgreSQL rows: the same data in the old schema.
source_db="transfer_bench_src_$$"
old_target "$source_db"
sqlite3 -csv "$big" "SELECT id, name, score, CASE active WHEN 1 THEN 't' ELSE 'f' END, profile,
                            datetime(created_at, 'unixepoch') || '+00', 'x' FROM users" |
  "$psql" -qX -v ON_ERROR_STOP=1 -d "$source_db" -c '\copy "User" FROM STDIN CSV'
sqlite3 -csv "$big" "SELECT id, user_id, upper(kind), datetime(at, 'unixepoch') || '+00' FROM events" |
  "$psql" -qX -v ON_ERROR_STOP=1 -d "$source_db" -c '\copy "Event" FROM STDIN CSV'
"$psql" -qX -v ON_ERROR_STOP=1 -d "$source_db" -c 'VACUUM ANALYZE' >/dev/null
[[ $(pg_fingerprint_old "$source_db") == "${expected[$big]}" ]] ||
  { echo "bench: the PostgreSQL source does not hold the SQLite file's rows" >&2; exit 1; }
export BENCH_SOURCE_URL="${admin_url%/*}/$source_db"
export source_db

has_jobs=false
"$migrate" transfer run --help 2>/dev/null | grep -q -- '--jobs' && has_jobs=true
tools=("migrate batch 1000" "migrate batch $large_batch")
$has_jobs && tools+=("migrate batch 1000 jobs $(nproc)")
tools+=("pgloader" "floor")

load_during=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((run = 1; run <= runs; run++)); do
  echo "bench: run $run of $runs" >&2
  # The tools take turns within a run, so that the machine's load falls on each alike.
  measure "migrate batch 1000" "$big" migrate big
  measure "migrate batch $large_batch" "$big" migrate big --batch "$large_batch"
  $has_jobs && measure "migrate batch 1000 jobs $(nproc)" "$big" migrate big --jobs "$(nproc)"
  measure pgloader "$big" pgloader
  measure floor "$big" floor
  measure "migrate small batch 1000" "$small" migrate small
  measure "migrate small batch $large_batch" "$small" migrate small --batch "$large_batch"
  measure "pg migrate batch 1000" "$big" migrate pgpg
  measure "pg migrate batch $large_batch" "$big" migrate pgpg --batch "$large_batch"
  measure "pg pgloader" "$big" pgloader_pg
  measure "pg floor" "$big" floor_pg
  load_during+=("$(cut -d' ' -f1 /proc/loadavg)")
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report -------------------------------------------------------------------------
median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ms_of() { [[ -s $work/$1.runs ]] && awk '{print $1}' "$work/$1.runs" | median; }
kib_of() { [[ -s $work/$1.runs ]] && awk '{print $2}' "$work/$1.runs" | median; }
rate_of() {  # rows/s of LABEL with ROWS, or empty
  local ms
  ms=$(ms_of "$1") || return 0
  awk -v r="$2" -v ms="$ms" 'BEGIN {printf "%.0f", r / (ms / 1000)}'
}
seconds_of() {  # the median, and the range when there were several runs
  awk -v m="$(ms_of "$1")" '{v[NR] = $1; lo = (NR == 1 || $1 < lo) ? $1 : lo; hi = $1 > hi ? $1 : hi}
    END {printf "%.2f", m / 1000; if (NR > 1) printf " (%.2f–%.2f)", lo / 1000, hi / 1000}' "$work/$1.runs"
}
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}' || echo "–"; }

big_rows=$(rows_of "$big")
small_rows=$(rows_of "$small")
pgloader_rate=$(rate_of pgloader "$big_rows")
floor_rate=$(rate_of floor "$big_rows")
failed=0
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo "## transfer: migrate $("$migrate" --version | awk '{print $2}'), $(pgloader --version 2>&1 | sed -n '1s/"//gp'), sqlite3 $(sqlite3 --version | awk '{print $1}'), PostgreSQL $("$psql" -qAtX -d postgres -c 'SHOW server_version')"
echo
echo "Machine: $(nproc) cores ($cpu); load average $load_before before, $load_after after (1-min during runs: ${load_during[*]}); $(date -u '+%Y-%m-%d %H:%M UTC')."
echo "Command: \`$command_line\`; median of $runs run(s), each into a fresh empty typed database."
echo "Source: $(basename "$big") ($(awk -v b="$(stat -c %s "$big")" 'BEGIN {printf "%.0f", b / 1048576}') MiB): users $users, events $events."
echo
# report_table PGLOADER_RATE FLOOR_RATE LABEL…: a row per tool.
report_table() {
  local pgloader_rate=$1 floor_rate=$2 label rate
  shift 2
  echo "| tool | rows | seconds (range) | rows/s | peak RSS MiB | × pgloader | × floor |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for label in "$@"; do
    if [[ -s $work/$label.failed ]]; then
      echo "| $label | – | failed: $(head -n 1 "$work/$label.failed" | tr '|' '/') | | | | |"
      failed=1
      continue
    fi
    rate=$(rate_of "$label" "$big_rows")
    printf '| %s | %s | %s | %s | %.1f | %s | %s |\n' "$label" "$big_rows" "$(seconds_of "$label")" \
      "$rate" "$(awk -v k="$(kib_of "$label")" 'BEGIN {print k / 1024}')" "$(ratio "$rate" "$pgloader_rate")" "$(ratio "$rate" "$floor_rate")"
  done
}
report_table "$pgloader_rate" "$floor_rate" "${tools[@]}"
echo
$has_jobs || echo "(\`--jobs\`: \`migrate transfer run --help\` offers no such option in this build; that row is skipped.)"
if [[ -s $work/pgloader.own ]]; then
  echo "(pgloader's own summary, median: $(awk '{print $1}' "$work/pgloader.own" | median) rows in $(awk '{sub(/s$/, "", $2); print $2}' "$work/pgloader.own" | median) s, its SBCL start-up and catalog reads excluded; the table's seconds are the process's wall time, like every other row.)"
fi
echo
echo "PostgreSQL → PostgreSQL, the same rows from the old schema (\"User\"/\"Event\", renamed columns, a"
echo "skipped column, upper-case kinds) into the new (users/events): migrate maps names and values"
echo "as the spec says (\`[transfers.pgpg]\`); the floor does the same mapping in SQL (\`psql \\copy (SELECT …)\`"
echo "piped into \`\\copy\`); pgloader copies the old tables into a database of the old schema, unmapped"
echo "(it renames no column), so it does less work than the others."
echo
report_table "$(rate_of "pg pgloader" "$big_rows")" "$(rate_of "pg floor" "$big_rows")" \
  "pg migrate batch 1000" "pg migrate batch $large_batch" "pg pgloader" "pg floor"
echo
echo "Memory against source size (migrate, peak RSS):"
echo
echo "| batch | $small_rows rows | $big_rows rows | growth |"
echo "|---:|---:|---:|---:|"
for batch in 1000 "$large_batch"; do
  small_label="migrate small batch $batch" big_label="migrate batch $batch"
  if [[ -s $work/$small_label.failed || -s $work/$big_label.failed ]]; then
    [[ -s $work/$small_label.failed ]] && failed=1
    echo "| $batch | $([[ -s $work/$small_label.failed ]] && echo failed) | $([[ -s $work/$big_label.failed ]] && echo failed) | |"
    continue
  fi
  a=$(kib_of "$small_label") b=$(kib_of "$big_label")
  printf '| %s | %.1f MiB (%.2f s) | %.1f MiB (%.2f s) | ×%s |\n' "$batch" "$(awk -v k="$a" 'BEGIN {print k / 1024}')" \
    "$(awk -v ms="$(ms_of "$small_label")" 'BEGIN {print ms / 1000}')" "$(awk -v k="$b" 'BEGIN {print k / 1024}')" \
    "$(awk -v ms="$(ms_of "$big_label")" 'BEGIN {print ms / 1000}')" "$(ratio "$b" "$a")"
done
exit "$failed"
