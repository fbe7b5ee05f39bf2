#!/usr/bin/env bash
# Side-by-side benchmark: migrate against dbmate, Alembic and the psql floor on a
# throwaway PostgreSQL 15, and against the sqlite3 CLI on SQLite; then the Google
# Benchmark micro-benchmarks when they were built. See bench/README.md.
#
# Usage: bench/run.sh [--n 500] [--tiny 2000] [--rss-n 5000] [--runs 5]
#   (after deployment/setup.sh has built build/; installs the peers it needs with apt/npm)
# Prints markdown tables on stdout; exits non-zero when a tool it ran failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
migrate=$root/build/migrate
[[ -x $migrate ]] || { echo "bench: build first: deployment/setup.sh" >&2; exit 2; }

# shellcheck source=lib/peers.sh disable=SC1091
source bench/lib/peers.sh
missing=()
peers_install  # sets dbmate_bin, dbmate_launcher, alembic_python, sqlite3_bin; appends to missing

# shellcheck source=../deployment/lib/pg_cluster.sh disable=SC1091
source deployment/lib/pg_cluster.sh
work=$(mktemp -d)
chmod 755 "$work"
cleanup() { pg_cluster_stop || true; rm -rf "$work"; }
trap cleanup EXIT
pg_cluster_start >/dev/null

# The cluster's URL, password included, reaches bench.py in MIGRATE_TEST_PG_URL (exported
# by pg_cluster_start), never in an argv.
args=(--migrate "$migrate" --psql "$PG_BIN/psql" --work "$work")
[[ -n $dbmate_bin ]] && args+=(--dbmate "$dbmate_bin")
[[ -n $dbmate_launcher ]] && args+=(--dbmate-launcher "$dbmate_launcher")
[[ -n $alembic_python ]] && args+=(--alembic-python "$alembic_python")
[[ -n $sqlite3_bin ]] && args+=(--sqlite3 "$sqlite3_bin")
for m in "${missing[@]}"; do args+=(--missing "$m"); done

echo "## migrate $("$migrate" --version | awk '{print $2}') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on loopback (fsync off, scram-sha-256), $(date -u +%Y-%m-%d)"
echo
rc=0
python3 bench/lib/bench.py "${args[@]}" "$@" || rc=$?

if [[ -x build/bench/micro/migrate_micro ]]; then
  echo
  echo "### Micro-benchmarks (Google Benchmark)"
  echo '```'
  build/bench/micro/migrate_micro --benchmark_min_time=0.2 2>/dev/null | grep -v '^\*\*\*'
  echo '```'
else
  echo
  echo "(micro-benchmarks not built: libbenchmark-dev was missing when build/ was configured)"
fi
exit "$rc"
