#!/usr/bin/env bash
# Installs migrate's build dependencies (Debian 12, apt) if missing, then configures and builds it.
#
# Usage: deployment/setup.sh [extra cmake configure args...]
#   MIGRATE_BUILD_DIR  build directory, relative to the repo root (default: build)
#   CI=true            also configures with -DMIGRATE_WERROR=ON
#   MIGRATE_BUILD_ALL=1  build every target (the tests, benchmarks); by default only the
#                        `migrate` binary a user runs (deployment/test.sh sets it)
# Safe to run again: apt-get is only called when a package is missing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_packages=(
  cmake g++ pkg-config libpqxx-dev libsqlitecpp-dev libcli11-dev libssl-dev nettle-dev
  libspdlog-dev catch2 libtomlplusplus-dev nlohmann-json3-dev
  libcpp-httplib-dev        # the HTTP server of `migrate serve`
  clang libclang-rt-14-dev  # libFuzzer for the fuzz targets (deployment/fuzz.sh)
  libbenchmark-dev          # the micro-benchmarks (bench/micro)
)

is_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "setup.sh: need root to install packages, and sudo is not installed" >&2
    return 1
  fi
}

install_missing_packages() {
  local pkg missing=()
  for pkg in "$@"; do
    is_installed "$pkg" || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "setup: the $# packages needed are installed"
    return 0
  fi
  echo "setup: installing ${missing[*]}"
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/migrate-apt.XXXXXX.log")
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
  if ! { as_root "${apt[@]}" update &&
         as_root "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    echo "setup: apt-get failed; its output:" >&2
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

install_missing_packages "${build_packages[@]}"
# For the tests only: the browser that loads `migrate serve`'s page (tests/cli/serve_test.cpp).
if [[ ${MIGRATE_BUILD_ALL:-0} == 1 ]]; then install_missing_packages chromium; fi

build_dir=${MIGRATE_BUILD_DIR:-build}
cmake_args=(-S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [[ ${CI:-} == true ]]; then
  cmake_args+=(-DMIGRATE_WERROR=ON)
fi
cmake "${cmake_args[@]}" "$@"
targets=(--target migrate)
[[ ${MIGRATE_BUILD_ALL:-0} == 1 ]] && targets=()
cmake --build "$build_dir" -j"$(nproc)" "${targets[@]}"
