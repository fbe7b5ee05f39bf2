#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang and runs each for a bounded time,
# starting from the seed corpus in tests/fuzz/corpus/<target>/. Fails on any crash, leak,
# sanitizer report or broken property; the input that did it is kept under
# <build>/artifacts/ and printed.
#
# Usage: deployment/fuzz.sh [seconds per target]      (default: $MIGRATE_FUZZ_SECONDS or 30)
#   MIGRATE_FUZZ_BUILD_DIR  build directory (default: build-fuzz)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-${MIGRATE_FUZZ_SECONDS:-30}}
build_dir=${MIGRATE_FUZZ_BUILD_DIR:-build-fuzz}
targets=(fuzz_statement_lexer fuzz_revision_name fuzz_manifest)

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is not installed (deployment/setup.sh installs it)" >&2; exit 1; }
cmake -S tests/fuzz -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

mkdir -p "$build_dir/artifacts"
rc=0
for target in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/${target#fuzz_}
  work=$(mktemp -d)  # new inputs go here, never into the tree
  echo "--- $target: ${seconds}s from $(find "$seeds" -type f | wc -l) seeds"
  if ! "$build_dir/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build_dir/artifacts/$target-" "$work" "$seeds" >"$build_dir/$target.log" 2>&1; then
    echo "fuzz.sh: FAILED: $target found a crash; see $build_dir/$target.log" >&2
    tail -n 40 "$build_dir/$target.log" >&2
    rc=1
  else
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE' "$build_dir/$target.log" | tr '\n' ' '
    echo
  fi
  rm -rf "$work"
done
exit "$rc"
