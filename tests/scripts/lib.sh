#!/usr/bin/env bash
# Shared helpers for the operator-script tests: temp projects on SQLite, checks, ok/fail lines.
#
# Sourced by tests/scripts/*_test.sh, which are run as:  bash <test>.sh <source dir>
# with MIGRATE_BIN set to the built binary (see tests/CMakeLists.txt).

# shellcheck disable=SC2034  # variables are used by the sourcing tests
src_dir=${1:?usage: $0 <source dir of the migrate repository>}
src_dir=$(cd "$src_dir" && pwd)
test_name=$(basename "$0" .sh)

fail() {
  echo "not ok - $*" >&2
  echo "$test_name: FAILED" >&2
  exit 1
}

ok() {
  echo "ok - $*"
}

if [[ -z ${MIGRATE_BIN:-} || ! -x $MIGRATE_BIN ]]; then
  fail "MIGRATE_BIN must name the built migrate binary (got '${MIGRATE_BIN:-}')"
fi
MIGRATE_BIN=$(cd "$(dirname "$MIGRATE_BIN")" && pwd)/$(basename "$MIGRATE_BIN")
export MIGRATE_BIN

# Only SQLite files inside the temp projects: no URL from the caller's environment.
unset DATABASE_URL MIGRATE_CONFIG
while IFS= read -r var; do
  unset "$var"
done < <(compgen -e | grep -E '_DATABASE_URL$' || true)

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/migrate-scripts-test.XXXXXX")
trap 'rm -rf "$work_dir"' EXIT

# Creates <work_dir>/<name>: the repository's manifest, services and operator scripts, no
# build dir, no databases yet. Prints the project's path.
make_project() {
  local dir=$work_dir/$1
  mkdir -p "$dir/deployment"
  cp "$src_dir/migrate.toml" "$dir/"
  cp -R "$src_dir/services" "$dir/"
  cp "$src_dir/deployment/migrate-all.sh" "$src_dir/deployment/homelab-manager.sh" "$dir/deployment/"
  printf '%s\n' "$dir"
}

# The head version of every service of project $1, "name version" a line.
current_of() {
  "$MIGRATE_BIN" --config "$1/migrate.toml" current 2>&1
}

# Fails unless the project's heads are exactly $2 (lines "service version").
expect_current() {
  local project=$1 expected=$2 what=$3 actual
  actual=$(current_of "$project") || fail "$what: migrate current failed: $actual"
  if [[ $actual != "$expected" ]]; then
    fail "$what: expected heads
$expected
but migrate current shows
$actual"
  fi
}

# Fails unless text $1 contains the fixed string $2.
expect_contains() {
  local text=$1 needle=$2 what=$3
  if ! grep -qF -- "$needle" <<<"$text"; then
    fail "$what: output lacks '$needle'; it was:
$text"
  fi
}

expect_not_contains() {
  local text=$1 needle=$2 what=$3
  if grep -qF -- "$needle" <<<"$text"; then
    fail "$what: output should not contain '$needle'; it was:
$text"
  fi
}

# Fails unless exit code $1 equals $2.
expect_exit() {
  local actual=$1 expected=$2 what=$3 output=${4:-}
  if [[ $actual != "$expected" ]]; then
    fail "$what: expected exit $expected, got $actual; output:
$output"
  fi
}

# Number of backup files the project holds.
backup_count() {
  local dir=$1/migration-backups
  if [[ -d $dir ]]; then
    find "$dir" -type f | wc -l | tr -d ' '
  else
    echo 0
  fi
}

readonly heads=$'dashboard 0006\nstream-bot 0004\ndiscord-bot 0008'
readonly bases=$'dashboard base\nstream-bot base\ndiscord-bot base'
