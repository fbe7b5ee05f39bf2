#!/usr/bin/env bash
# The project's one test command: builds migrate, starts a throwaway PostgreSQL 15, runs ctest.
#
# Usage: deployment/test.sh [extra ctest args...]     e.g. deployment/test.sh -R lock
#   MIGRATE_BUILD_DIR  build directory, relative to the repo root (default: build)
#   MIGRATE_FUZZ_SECONDS  time per fuzz target (default: 30)
# Runs ctest, then the fuzz targets (deployment/fuzz.sh). Exits non-zero when either
# fails; fails (never skips) when PostgreSQL cannot be started.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${MIGRATE_BUILD_DIR:-build}
phase() { printf '\n=== %s\n' "$*"; }

phase "setup: dependencies and build into $build_dir/"
MIGRATE_BUILD_DIR=$build_dir deployment/setup.sh

phase "postgres: starting a throwaway PostgreSQL 15 cluster"
# shellcheck source-path=SCRIPTDIR source=lib/pg_cluster.sh disable=SC1091
source deployment/lib/pg_cluster.sh
trap pg_cluster_stop EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
if ! pg_cluster_start; then
  echo "test.sh: FAILED: could not start PostgreSQL; the PostgreSQL tests cannot run" >&2
  exit 1
fi

phase "ctest: $build_dir"
rc=0
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j2 "$@" || rc=$?

phase "fuzz: each libFuzzer target for ${MIGRATE_FUZZ_SECONDS:-30}s"
fuzz_rc=0
deployment/fuzz.sh || fuzz_rc=$?

phase "done: ctest exited with $rc, fuzz.sh with $fuzz_rc"
[[ $rc -ne 0 ]] && exit "$rc"
exit "$fuzz_rc"
