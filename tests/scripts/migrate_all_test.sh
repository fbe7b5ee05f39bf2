#!/usr/bin/env bash
# Tests deployment/migrate-all.sh: status, apply and rollback on SQLite, exit codes passed through, the not-built hint.
#
# Usage: MIGRATE_BIN=build/migrate bash tests/scripts/migrate_all_test.sh <source dir>
set -euo pipefail
# shellcheck source=tests/scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

p=$(make_project main)
script=$p/deployment/migrate-all.sh
cd "$work_dir"

rc=0; out=$("$script" --help 2>&1) || rc=$?
expect_exit "$rc" 0 "--help" "$out"
expect_contains "$out" "rollback <service>" "--help"
ok "--help prints usage and exits 0"

rc=0; out=$("$script" status 2>&1) || rc=$?
expect_exit "$rc" 0 "status" "$out"
expect_contains "$out" "overall: pending (18 pending)" "status"
expect_contains "$out" "sqlite:$p/var/discord-bot.db" "status uses the manifest beside the script"
ok "status exits 0 and reads the manifest next to the script"

rc=0; out=$("$script" --json status 2>/dev/null) || rc=$?
expect_exit "$rc" 0 "--json status" "$out"
expect_contains "$out" '"total_pending": 18' "--json status"
ok "--json before the command is passed through"

# The caller's --config wins over the default manifest; so does MIGRATE_CONFIG.
other=$(make_project other)
rc=0; out=$("$script" status --config "$other/migrate.toml" 2>&1) || rc=$?
expect_exit "$rc" 0 "status --config" "$out"
expect_contains "$out" "sqlite:$other/var/dashboard.db" "status --config"
expect_not_contains "$out" "sqlite:$p/var" "status --config"
rc=0; out=$(MIGRATE_CONFIG=$other/migrate.toml "$script" status 2>&1) || rc=$?
expect_exit "$rc" 0 "MIGRATE_CONFIG status" "$out"
expect_contains "$out" "sqlite:$other/var/dashboard.db" "MIGRATE_CONFIG status"
ok "--config and MIGRATE_CONFIG override the default manifest"

rc=0; out=$("$script" </dev/null 2>&1) || rc=$?
expect_exit "$rc" 2 "apply without a terminal and without --yes" "$out"
expect_current "$p" "$bases" "a refused apply"
[[ $(backup_count "$p") == 0 ]] || fail "a refused apply wrote backups"
ok "apply without a terminal and without --yes refuses with exit 2 and changes nothing"

rc=0; out=$("$script" --yes </dev/null 2>&1) || rc=$?
expect_exit "$rc" 0 "apply --yes" "$out"
expect_current "$p" "$heads" "apply --yes"
[[ $(backup_count "$p") -ge 1 ]] || fail "apply --yes took no backup"
ok "apply --yes brings every service to its head (with backups) and exits 0"

rc=0; out=$("$script" --yes </dev/null 2>&1) || rc=$?
expect_exit "$rc" 0 "apply --yes with nothing pending" "$out"
ok "apply with nothing pending exits 0"

rc=0; out=$("$script" rollback discord-bot </dev/null 2>&1) || rc=$?
expect_exit "$rc" 2 "rollback without a terminal and without --yes" "$out"
expect_current "$p" "$heads" "a refused rollback"
ok "rollback without a terminal and without --yes refuses with exit 2 and changes nothing"

rc=0; out=$("$script" rollback discord-bot --yes </dev/null 2>&1) || rc=$?
expect_exit "$rc" 0 "rollback discord-bot --yes" "$out"
expect_current "$p" $'dashboard 0006\nstream-bot 0004\ndiscord-bot 0007' "rollback discord-bot --yes"
ok "rollback discord-bot --yes goes back one revision to 0003 and exits 0"

rc=0; out=$("$script" --yes rollback nosuch </dev/null 2>&1) || rc=$?
expect_exit "$rc" 2 "rollback of an unknown service" "$out"
expect_contains "$out" "nosuch" "rollback of an unknown service"
ok "rollback of an unknown service passes migrate's exit 2 through"

rc=0; out=$("$script" rollback </dev/null 2>&1) || rc=$?
expect_exit "$rc" 2 "rollback without a service" "$out"
rc=0; out=$("$script" frobnicate </dev/null 2>&1) || rc=$?
expect_exit "$rc" 2 "an unknown command" "$out"
expect_current "$p" $'dashboard 0006\nstream-bot 0004\ndiscord-bot 0007' "usage errors"
ok "rollback without a service and an unknown command exit 2"

rc=0; out=$("$script" status --database-url 'postgres://migrate@127.0.0.1:1/nowhere?connect_timeout=3' 2>&1) || rc=$?
expect_exit "$rc" 5 "status against an unreachable server" "$out"
ok "an unreachable database passes migrate's exit 5 through"

# An applied revision edited after the fact is drift: migrate refuses with 4.
printf -- '-- edited after it was applied\n' >>"$p/services/dashboard/migrations/0002_user_preferences.up.sqlite.sql"
rc=0; out=$("$script" --yes </dev/null 2>&1) || rc=$?
expect_exit "$rc" 4 "apply --yes with drift" "$out"
expect_current "$p" $'dashboard 0006\nstream-bot 0004\ndiscord-bot 0007' "apply --yes with drift"
ok "drift passes migrate's exit 4 through and changes nothing"

# The binary is found under <repo>/build/migrate when MIGRATE_BIN is not set.
mkdir -p "$other/build"
ln -s "$MIGRATE_BIN" "$other/build/migrate"
rc=0; out=$(env -u MIGRATE_BIN "$other/deployment/migrate-all.sh" status 2>&1) || rc=$?
expect_exit "$rc" 0 "status through <repo>/build/migrate" "$out"
expect_contains "$out" "sqlite:$other/var/dashboard.db" "status through <repo>/build/migrate"
ok "without MIGRATE_BIN the script uses <repo>/build/migrate"

# Not built: one line of hint, exit 2.
bare=$work_dir/bare
mkdir -p "$bare/deployment"
cp "$src_dir/deployment/migrate-all.sh" "$bare/deployment/"
cp "$src_dir/migrate.toml" "$bare/"
rc=0; out=$(MIGRATE_BIN=$bare/build/migrate "$bare/deployment/migrate-all.sh" status 2>&1) || rc=$?
expect_exit "$rc" 2 "MIGRATE_BIN pointing nowhere" "$out"
[[ $(wc -l <<<"$out") == 1 ]] || fail "MIGRATE_BIN pointing nowhere: expected one line, got:
$out"
expect_contains "$out" "migrate is not built: run deployment/setup.sh" "MIGRATE_BIN pointing nowhere"
ok "MIGRATE_BIN pointing nowhere prints the one-line not-built hint and exits 2"

no_migrate_path=/usr/bin:/bin
if PATH=$no_migrate_path command -v migrate >/dev/null 2>&1; then
  ok "# skip: a migrate is installed on $no_migrate_path"
else
  rc=0; out=$(env -u MIGRATE_BIN PATH="$no_migrate_path" "$bare/deployment/migrate-all.sh" 2>&1) || rc=$?
  expect_exit "$rc" 2 "no build dir and no migrate on PATH" "$out"
  [[ $out == "migrate is not built: run deployment/setup.sh" ]] ||
    fail "no build dir and no migrate on PATH: expected exactly the hint, got:
$out"
  ok "no build dir and no migrate on PATH prints exactly the hint and exits 2"
fi

echo "$test_name: all passed"
