#!/usr/bin/env bash
# The project's one test command: builds migrate, starts a throwaway PostgreSQL 15, runs ctest;
# runs the libFuzzer targets (deployment/fuzz.sh); builds again with AddressSanitizer +
# UndefinedBehaviorSanitizer (beside the first ctest run and the fuzzing) and runs ctest again
# on that build, with fewer crash trials and concurrency rounds (the plain pass has the full
# counts; this pass is about memory errors and undefined behaviour).
#
# Usage: deployment/test.sh [extra ctest args...]     e.g. deployment/test.sh -R lock
#   MIGRATE_BUILD_DIR           build directory, relative to the repo root (default: build)
#   MIGRATE_SANITIZE_BUILD_DIR  the sanitizer build's directory (default: build-sanitize)
#   MIGRATE_TEST_SANITIZE=0     leave out the sanitizer pass (quicker local runs; CI runs it)
#   MIGRATE_FUZZ_SECONDS        time per fuzz target (default: 30)
# Exits non-zero when any pass fails; fails (never skips) when PostgreSQL cannot be started.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${MIGRATE_BUILD_DIR:-build}
sanitize_dir=${MIGRATE_SANITIZE_BUILD_DIR:-build-sanitize}
phase_name=
phase_started=$SECONDS
# Prints how long the previous phase took, then the next phase's banner.
phase() {
  [[ -z $phase_name ]] || printf '=== (%s took %d s)\n' "$phase_name" $((SECONDS - phase_started))
  phase_name=${1%%:*}
  phase_started=$SECONDS
  printf '\n=== %s\n' "$*"
}

phase "setup: dependencies and build into $build_dir/"
MIGRATE_BUILD_ALL=1 MIGRATE_BUILD_DIR=$build_dir deployment/setup.sh

phase "peers: drizzle-kit, drizzle-orm, pg, dbmate (npm, pinned) into $build_dir/peers; Alembic"
# shellcheck source-path=SCRIPTDIR source=lib/peers.sh disable=SC1091
source deployment/lib/peers.sh
if ! peers_install "$build_dir"; then
  echo "test.sh: FAILED: could not install the peer tools; the tests that run them cannot run" >&2
  exit 1
fi

phase "postgres: starting a throwaway PostgreSQL 15 cluster and a PgBouncer in front of it"
# shellcheck source-path=SCRIPTDIR source=lib/pg_cluster.sh disable=SC1091
source deployment/lib/pg_cluster.sh
# shellcheck source-path=SCRIPTDIR source=lib/pgbouncer.sh disable=SC1091
source deployment/lib/pgbouncer.sh
sanitize_build_pid=
# Stops the sanitizer build if it is still running (its own process group), then the cluster.
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [[ -n $sanitize_build_pid ]]; then
    kill -- -"$sanitize_build_pid" 2>/dev/null || true
    wait "$sanitize_build_pid" 2>/dev/null || true
  fi
  pgbouncer_stop
  pg_cluster_stop
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
if ! pg_cluster_start; then
  echo "test.sh: FAILED: could not start PostgreSQL; the PostgreSQL tests cannot run" >&2
  exit 1
fi
if ! pgbouncer_start; then
  echo "test.sh: FAILED: could not start PgBouncer; the tests behind a pooler cannot run" >&2
  exit 1
fi

sanitize=${MIGRATE_TEST_SANITIZE:-1}
if [[ $sanitize != 0 ]]; then
  # The sanitizer build runs beside the first ctest run: the tests mostly wait on child
  # processes and the database, so the build has the CPU nearly to itself. Its output is
  # printed in full once it is done.
  mkdir -p -- "$sanitize_dir"
  sanitize_log=$sanitize_dir/setup.log
  # shellcheck disable=SC2016  # expanded by the inner bash
  MIGRATE_BUILD_ALL=1 MIGRATE_BUILD_DIR=$sanitize_dir setsid --wait bash -c \
    'started=$SECONDS; deployment/setup.sh -DMIGRATE_SANITIZE=ON; rc=$?
     echo "test.sh: the sanitizer build took $((SECONDS - started)) s"; exit "$rc"' >"$sanitize_log" 2>&1 &
  sanitize_build_pid=$!
fi

phase "ctest: $build_dir"
rc=0
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j2 "$@" || rc=$?

phase "fuzz: each libFuzzer target for ${MIGRATE_FUZZ_SECONDS:-30}s"
fuzz_rc=0
deployment/fuzz.sh || fuzz_rc=$?

if [[ $sanitize == 0 ]]; then
  phase "done: ctest exited with $rc, fuzz.sh with $fuzz_rc; the sanitizer pass was left out (MIGRATE_TEST_SANITIZE=0)"
  [[ $rc -ne 0 ]] && exit "$rc"
  exit "$fuzz_rc"
fi

phase "setup (sanitizers): build into $sanitize_dir/ with -DMIGRATE_SANITIZE=ON (started beside ctest)"
sanitize_build_rc=0
wait "$sanitize_build_pid" || sanitize_build_rc=$?
sanitize_build_pid=
cat -- "$sanitize_log"
if [[ $sanitize_build_rc -ne 0 ]]; then
  echo "test.sh: FAILED: the sanitizer build failed (exit $sanitize_build_rc)" >&2
  exit 1
fi

phase "ctest (sanitizers): $sanitize_dir under ASan, LSan and UBSan"
# Every instrumented process (the test binary and each migrate it starts) aborts (SIGABRT)
# at its first finding. ASan and LSan write their reports into $report_dir as
# report.<binary>.<pid>, and any such report fails the pass, even where the test that started
# the process only looks at its exit code. UBSan, combined with ASan in GCC 12, ignores
# log_path and reports on the process's stderr: a UBSan finding in a child shows as exit 134
# and is caught where the test checks the exit code. tests/lsan.supp names the one leak that
# is libpqxx's own.
report_dir=$PWD/$sanitize_dir/sanitizer-reports
rm -rf -- "$report_dir"
mkdir -p -- "$report_dir"
report_options="log_path=$report_dir/report:log_exe_name=1"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:$report_options"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:$report_options"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0:$report_options"
sanitize_rc=0
MIGRATE_CRASH_TRIALS=${MIGRATE_SANITIZE_CRASH_TRIALS:-25} MIGRATE_CRASH_SQLITE_TRIALS=${MIGRATE_SANITIZE_CRASH_SQLITE_TRIALS:-10} \
  MIGRATE_CONCURRENCY_ROUNDS=${MIGRATE_SANITIZE_CONCURRENCY_ROUNDS:-5} \
  ctest --test-dir "$sanitize_dir" --output-on-failure --no-tests=error -j2 "$@" || sanitize_rc=$?
# An empty file holds no report. One appeared in one of five passes (a runtime opened its
# report file and its process ended before writing a byte, most likely a migrate that the
# crash harness SIGKILLed while it exited); it is listed, not counted.
for report in "$report_dir"/*; do
  [[ -e $report ]] || continue
  if [[ ! -s $report ]]; then
    echo "test.sh: note: empty sanitizer report file $report (no finding in it)"
    continue
  fi
  echo "test.sh: FAILED: sanitizer report $report:" >&2
  cat -- "$report" >&2
  [[ $sanitize_rc -ne 0 ]] || sanitize_rc=1
done

phase "done: ctest exited with $rc, fuzz.sh with $fuzz_rc, ctest under the sanitizers with $sanitize_rc"
for code in "$rc" "$fuzz_rc" "$sanitize_rc"; do
  [[ $code -ne 0 ]] && exit "$code"
done
exit 0
